-- Push: the subscribers that every applied run is delivered to, and the
-- schema of the job queue (River) that delivers it.
--
-- subscriber: a webhook receiver an administrator added with "paidan
-- subscriber add". events are the kinds it receives (assigned, unassigned,
-- reassigned); single asks for one delivery per event rather than one per
-- run; secret is the HMAC-SHA256 key its deliveries are signed with. Only
-- the schema owner changes the table (the subscriber commands run as it and
-- append every change to paidan.audit in the same transaction); only the
-- runtime role, which delivers, reads the secret; the console reads the
-- other columns.
--
-- paidan_river: River's tables (river_job, river_leader, ...), created by
-- River's own migrations, which "paidan migrate up" runs right after
-- paidan's. The default privileges below give the runtime role, which
-- enqueues in the write-back's transaction and works the jobs, exactly the
-- row access River needs, and the console read access for its dead-letter
-- page; neither may create or alter anything in the schema.
--
-- Expand only: a new table, a new schema and grants.

-- +goose Up
CREATE TABLE paidan.subscriber (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    url        text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    events     text[]      NOT NULL CHECK (cardinality(events) > 0
                               AND events <@ ARRAY['assigned', 'unassigned', 'reassigned']),
    single     boolean     NOT NULL DEFAULT false,
    secret     bytea       NOT NULL CHECK (length(secret) BETWEEN 16 AND 1024),
    created_by text        NOT NULL CHECK (created_by <> '' AND length(created_by) <= 300),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE paidan.subscriber IS 'webhook receivers of applied runs; secret signs their deliveries (HMAC-SHA256)';
COMMENT ON COLUMN paidan.subscriber.secret IS 'HMAC-SHA256 key; readable by the delivering role only';
COMMENT ON COLUMN paidan.subscriber.id IS 'subscriber number, assigned by the database';
COMMENT ON COLUMN paidan.subscriber.name IS 'the subscriber''s name (paidan subscriber add NAME)';
COMMENT ON COLUMN paidan.subscriber.url IS 'where deliveries are POSTed: https, or http to a loopback receiver';
COMMENT ON COLUMN paidan.subscriber.events IS 'the events delivered: assigned, unassigned, reassigned';
COMMENT ON COLUMN paidan.subscriber.single IS 'true: one delivery per event; false: one delivery per applied run';
COMMENT ON COLUMN paidan.subscriber.created_by IS 'who added the subscriber';
COMMENT ON COLUMN paidan.subscriber.created_at IS 'when the subscriber was added';

REVOKE ALL ON paidan.subscriber FROM PUBLIC;
GRANT SELECT ON paidan.subscriber TO paidan_runtime;
GRANT SELECT (id, name, url, events, single, created_by, created_at) ON paidan.subscriber TO paidan_console;

CREATE SCHEMA paidan_river;
COMMENT ON SCHEMA paidan_river IS 'River job queue: push deliveries and partition jobs (tables created by River''s migrations)';
REVOKE ALL ON SCHEMA paidan_river FROM PUBLIC;
GRANT USAGE ON SCHEMA paidan_river TO paidan_runtime, paidan_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO paidan_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river GRANT USAGE, SELECT ON SEQUENCES TO paidan_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river GRANT EXECUTE ON FUNCTIONS TO paidan_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river GRANT USAGE ON TYPES TO paidan_runtime, paidan_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river GRANT SELECT ON TABLES TO paidan_console;

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river REVOKE USAGE ON TYPES FROM paidan_runtime, paidan_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river REVOKE EXECUTE ON FUNCTIONS FROM paidan_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river REVOKE SELECT ON TABLES FROM paidan_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river REVOKE USAGE, SELECT ON SEQUENCES FROM paidan_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA paidan_river REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM paidan_runtime;
DROP SCHEMA paidan_river CASCADE;
DROP TABLE paidan.subscriber;
