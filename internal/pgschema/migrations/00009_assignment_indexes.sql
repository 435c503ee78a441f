-- assignment_active_by_worker (00002) indexed the active assignments by
-- worker. No query reads through it: a worker's current tasks are
-- paidan.task's (task_assigned_by_worker), and the check that keeps a
-- referenced worker (00008) looks at every assignment, active or not,
-- which a partial index cannot answer. Each write-back paid an index
-- insert per assignment for it.

-- +goose Up
DROP INDEX paidan.assignment_active_by_worker;

-- +goose Down
CREATE INDEX assignment_active_by_worker ON paidan.assignment (worker_id) WHERE active;
