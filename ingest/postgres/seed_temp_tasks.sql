-- The seed's staging table for tasks, shaped like paidan.task, dropped at
-- commit.
CREATE TEMPORARY TABLE seed_task (LIKE paidan.task INCLUDING DEFAULTS) ON COMMIT DROP
