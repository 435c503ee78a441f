-- Worker streams: the console's GET /api/v1/workers/{id}/assignments, a
-- Server-Sent Events stream of one worker's assignments for its app.
--
--   * paidan.worker_token: a bearer token (pdw_…) that an administrator
--     issues for one worker ("paidan worker-token issue"); it reads that
--     worker's stream and nothing else. Only its SHA-256 is kept; it
--     expires and can be revoked. The console role issues, lists and
--     revokes them and appends every change to paidan.audit in the same
--     transaction.
--   * paidan.run_applied: one row per applied run, written by a trigger on
--     paidan.run when a run becomes 'applied', in the write-back's
--     transaction. xid is that transaction's id: a reader that takes only
--     rows whose xid is below its snapshot's xmin (every transaction that
--     could still commit such a row has ended) reads them in (xid, seq)
--     order without ever missing one that commits later, which makes
--     (xid, seq) a resumable cursor (the stream's Last-Event-ID).
--   * The same trigger announces the run on channel paidan_run_applied
--     with the payload the push publisher sends (PostgreSQL delivers one
--     of two identical notifications of a transaction), so that listeners
--     hear of every applied run, with push on or off.
--
-- Expand only: new tables, a new trigger function and trigger, grants.

-- +goose Up
CREATE TABLE paidan.worker_token (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id  text        NOT NULL CHECK (worker_id <> '' AND length(worker_id) <= 200),
    name       text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
    hash       bytea       NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix     text        NOT NULL CHECK (length(prefix) <= 20),
    created_by text        NOT NULL CHECK (created_by <> '' AND length(created_by) <= 300),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CONSTRAINT worker_token_expires_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX worker_token_by_worker ON paidan.worker_token (worker_id);
COMMENT ON TABLE paidan.worker_token IS 'bearer tokens of worker apps, by their SHA-256: each reads one worker''s assignment stream only; expiring, revocable';
COMMENT ON COLUMN paidan.worker_token.id IS 'token number, assigned by the database';
COMMENT ON COLUMN paidan.worker_token.worker_id IS 'the worker whose stream the token reads (paidan.worker.id)';
COMMENT ON COLUMN paidan.worker_token.name IS 'what the token is for, e.g. the app install';
COMMENT ON COLUMN paidan.worker_token.hash IS 'SHA-256 of the token; the token itself is shown once and never stored';
COMMENT ON COLUMN paidan.worker_token.prefix IS 'the token''s first characters, to tell tokens apart';
COMMENT ON COLUMN paidan.worker_token.created_by IS 'who issued it (an audit actor)';
COMMENT ON COLUMN paidan.worker_token.created_at IS 'when it was issued';
COMMENT ON COLUMN paidan.worker_token.expires_at IS 'when it stops working';
COMMENT ON COLUMN paidan.worker_token.revoked_at IS 'when it was revoked; NULL while valid';

CREATE TABLE paidan.run_applied (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    run_id     text        NOT NULL CHECK (run_id <> '' AND length(run_id) <= 200),
    partition  text        NOT NULL CHECK (length(partition) <= 200),
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_applied_by_xid ON paidan.run_applied (xid, seq);
COMMENT ON TABLE paidan.run_applied IS 'one row per applied run, in its write-back''s transaction: the resumable feed of the worker streams';
COMMENT ON COLUMN paidan.run_applied.seq IS 'order of the row within its transaction (and a tie-break)';
COMMENT ON COLUMN paidan.run_applied.xid IS 'the write-back''s transaction id; readers take rows below their snapshot''s xmin, in (xid, seq) order';
COMMENT ON COLUMN paidan.run_applied.run_id IS 'the applied run (paidan.run.id)';
COMMENT ON COLUMN paidan.run_applied.partition IS 'the run''s partition';
COMMENT ON COLUMN paidan.run_applied.applied_at IS 'when the write-back''s transaction started';

-- +goose StatementBegin
CREATE FUNCTION paidan.run_applied_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'applied' THEN
        RETURN NULL;
    END IF;
    INSERT INTO paidan.run_applied (run_id, partition) VALUES (NEW.id, NEW.partition);
    PERFORM pg_notify('paidan_run_applied', json_build_object('run_id', NEW.id, 'partition', NEW.partition)::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER run_applied_record AFTER INSERT OR UPDATE OF status ON paidan.run
    FOR EACH ROW WHEN (NEW.status = 'applied')
    EXECUTE FUNCTION paidan.run_applied_record();

REVOKE ALL ON FUNCTION paidan.run_applied_record() FROM PUBLIC;
REVOKE ALL ON paidan.worker_token, paidan.run_applied FROM PUBLIC;
GRANT SELECT, INSERT (worker_id, name, hash, prefix, created_by, expires_at) ON paidan.worker_token TO paidan_console;
GRANT UPDATE (revoked_at) ON paidan.worker_token TO paidan_console;
GRANT SELECT ON paidan.run_applied TO paidan_console, paidan_reader;

-- +goose Down
DROP TRIGGER run_applied_record ON paidan.run;
DROP FUNCTION paidan.run_applied_record();
DROP TABLE paidan.run_applied;
DROP TABLE paidan.worker_token;
