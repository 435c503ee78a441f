-- A later release's expand migration, for the rolling-upgrade test only:
-- an index on paidan.task built CONCURRENTLY (SHARE UPDATE EXCLUSIVE:
-- writes go on), and a CHECK constraint on paidan.worker added NOT VALID
-- (a brief ACCESS EXCLUSIVE, no scan) and then validated (SHARE UPDATE
-- EXCLUSIVE, a scan that blocks no write). Outside a transaction each
-- statement commits by itself, so every statement can run again: a retry
-- after a lock timeout starts the file afresh.

-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS paidan.task_upgrade_by_region;
CREATE INDEX CONCURRENTLY task_upgrade_by_region ON paidan.task (partition, region) WHERE status = 'pending';
ALTER TABLE paidan.worker DROP CONSTRAINT IF EXISTS worker_upgrade_capacity;
ALTER TABLE paidan.worker ADD CONSTRAINT worker_upgrade_capacity CHECK (capacity <= 1000000) NOT VALID;
ALTER TABLE paidan.worker VALIDATE CONSTRAINT worker_upgrade_capacity;

-- +goose Down
ALTER TABLE paidan.worker DROP CONSTRAINT IF EXISTS worker_upgrade_capacity;
DROP INDEX CONCURRENTLY IF EXISTS paidan.task_upgrade_by_region;
