-- unassigned: what each applied run decided about every task it considered
-- and left out, with the reason code and the planner's sentence. Written by
-- the write-back in the same transaction as the run's assignments, so the
-- console and reports can answer "why was this task not assigned" from the
-- database alone. A task's history is its rows here and in paidan.assignment.
--
-- task_id carries no foreign key: a decision stays on record even after the
-- business system deletes the task.

-- +goose Up
CREATE TABLE paidan.unassigned (
    run_id     text        NOT NULL REFERENCES paidan.run (id),
    task_id    text        NOT NULL CHECK (task_id <> '' AND length(task_id) <= 200),
    reason     text        NOT NULL CHECK (reason IN ('no_skill', 'no_region', 'out_of_range',
                               'outside_shift', 'no_capacity', 'cheaper_unassigned', 'pinned_infeasible')),
    detail     text        NOT NULL DEFAULT '' CHECK (length(detail) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, task_id)
);
-- A task's history across runs.
CREATE INDEX unassigned_by_task ON paidan.unassigned (task_id);

GRANT SELECT, INSERT ON paidan.unassigned TO paidan_runtime;

-- +goose Down
DROP TABLE paidan.unassigned;
