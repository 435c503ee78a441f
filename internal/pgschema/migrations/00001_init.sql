-- paidan owns the schema "paidan". Business systems insert tasks and upsert
-- workers there; paidan writes assignments and records its runs.

-- +goose Up
CREATE SCHEMA paidan;
COMMENT ON SCHEMA paidan IS 'paidan batch dispatch: tasks, workers, runs and assignments';

-- +goose Down
DROP SCHEMA paidan CASCADE;
