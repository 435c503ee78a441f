-- A later release's expand migration, for the rolling-upgrade test only
-- (internal/upgradetest numbers it after the newest embedded migration;
-- it comes first, so that it is applied whenever one of the set fits
-- below MaxSchema): a nullable column on paidan.task, a catalog update
-- under a brief ACCESS EXCLUSIVE lock on task (every reader and writer of
-- task queues behind the request, for at most lock_timeout).

-- +goose Up
ALTER TABLE paidan.task ADD COLUMN upgrade_note text;

-- +goose Down
ALTER TABLE paidan.task DROP COLUMN upgrade_note;
