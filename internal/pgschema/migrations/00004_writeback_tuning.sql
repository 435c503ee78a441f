-- Schema changes for a faster write-back. Every foreign key of 00002 stays
-- as it is (task.assigned_worker, task.assigned_run, assignment.run_id,
-- .task_id with ON DELETE CASCADE, .worker_id): they are the integrity
-- guarantee, checked by PostgreSQL itself for every row. They stay
-- immediate: made deferrable and deferred to COMMIT in the write-back they
-- cost the same (one check and one row lock per row and key either way).
--
--   * task_guard, worker_guard and run_guard keep their SET search_path =
--     pg_catalog, although every call (one per written task row) then saves
--     and restores the GUC state (0.15-0.31 s of a 100k-row write-back):
--     without it a role that may create objects could put a schema of its
--     own before pg_catalog in its search_path and shadow the functions and
--     operators the guards call, defeating them.
--   * The primary key of assignment becomes (task_id, run_id), the same
--     columns: the ON DELETE CASCADE from task looks assignments up by
--     task_id, which no index served for inactive rows (each deleted task
--     was a sequential scan of assignment). run_id keeps an index of its
--     own, for the run foreign key's check when a run is deleted and for
--     "what a run decided".
--   * lock_workers takes FOR NO KEY UPDATE instead of FOR UPDATE. The
--     write-back changes a worker's load, never its id, and the load UPDATE
--     takes exactly this lock; FOR UPDATE additionally blocked every other
--     transaction's foreign-key check (FOR KEY SHARE) on those workers.
--     Deletes and id changes of the workers still wait, as before.

-- +goose Up
ALTER TABLE paidan.assignment
    DROP CONSTRAINT assignment_pkey,
    ADD PRIMARY KEY (task_id, run_id);
CREATE INDEX assignment_by_run ON paidan.assignment (run_id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.lock_workers(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT FROM paidan.worker WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.lock_workers(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT FROM paidan.worker WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
$$;
-- +goose StatementEnd
DROP INDEX paidan.assignment_by_run;
ALTER TABLE paidan.assignment
    DROP CONSTRAINT assignment_pkey,
    ADD PRIMARY KEY (run_id, task_id);
