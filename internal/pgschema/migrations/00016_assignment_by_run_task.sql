-- The console pages through a run's assignments in task order ("what run
-- R decided", 100 rows a page, CSV in the same order). The index on
-- assignment (run_id) of 00004 finds a run's rows but not in task order,
-- so every page sorted all of them (0.55 s for page 500 of a 100,000-row
-- run). (run_id, task_id) serves both: it replaces the index on run_id,
-- so the write-back still maintains one index for it, and the foreign
-- key's check when a run is deleted uses its leading column as before.

-- +goose Up
CREATE INDEX assignment_by_run_task ON paidan.assignment (run_id, task_id);
DROP INDEX paidan.assignment_by_run;

-- +goose Down
CREATE INDEX assignment_by_run ON paidan.assignment (run_id);
DROP INDEX paidan.assignment_by_run_task;
