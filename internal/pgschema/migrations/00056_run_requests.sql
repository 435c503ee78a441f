-- Runs on request, schedulers' next ticks, and rules changes in the audit
-- trail.
--
--   * paidan.run_request: a planner's "run this partition now" from the
--     console. The console inserts the request (and its audit entry) in one
--     transaction; an insert notifies channel paidan_run_request with the
--     partition, so a listening scheduler runs it at once, and every
--     scheduler also claims open requests at each tick. A scheduler claims a
--     request (claimed_by, claimed_at) and records how it ended (run_id,
--     outcome, done_at). At most one request per partition is unclaimed.
--   * paidan.scheduler_heartbeat: each running scheduler's row (scheduler
--     = host:pid), upserted after every cycle with the partitions it plans
--     (empty: every partition with work) and when its next cycle starts;
--     the console's partitions page shows the next run from it.
--   * run_rules_change: when a run records a rules hash that differs from
--     the one of the partition's previous run that had one, an entry
--     rules.change is appended to paidan.audit in the same transaction,
--     with the database role that wrote the run as the actor.
--   * paidan_console may read paidan.run_usage: the run page shows each
--     run's stage durations.
--   * paidan.partition_backlog: the one definition of a partition's
--     backlog (pending tasks, the oldest finite created_at among them), a
--     view with the invoker's privileges, for the console's partitions page
--     and the reports alike.

-- +goose Up
CREATE TABLE paidan.run_request (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partition    text        NOT NULL CHECK (partition <> '' AND length(partition) <= 200),
    requested_by text        NOT NULL CHECK (requested_by <> '' AND length(requested_by) <= 300),
    requested_at timestamptz NOT NULL DEFAULT now(),
    note         text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    claimed_by   text        CHECK (length(claimed_by) <= 300),
    claimed_at   timestamptz,
    run_id       text        CHECK (length(run_id) <= 200),
    outcome      text        CHECK (length(outcome) <= 2000),
    done_at      timestamptz,
    CONSTRAINT run_request_claim_whole CHECK ((claimed_at IS NULL) = (claimed_by IS NULL)),
    CONSTRAINT run_request_done_after_claim CHECK (done_at IS NULL OR claimed_at IS NOT NULL)
);
CREATE UNIQUE INDEX run_request_one_open ON paidan.run_request (partition) WHERE claimed_at IS NULL;
COMMENT ON TABLE paidan.run_request IS 'runs requested in the console ("run now"); schedulers claim them at once (LISTEN paidan_run_request) or at their next tick';
COMMENT ON COLUMN paidan.run_request.id IS 'request number, assigned by the database';
COMMENT ON COLUMN paidan.run_request.partition IS 'the partition to run';
COMMENT ON COLUMN paidan.run_request.requested_by IS 'who asked (an audit actor: account:LOGIN, token:ID:LOGIN)';
COMMENT ON COLUMN paidan.run_request.requested_at IS 'when it was asked';
COMMENT ON COLUMN paidan.run_request.note IS 'why, as the person who asked wrote';
COMMENT ON COLUMN paidan.run_request.claimed_by IS 'the scheduler that took the request (host:pid); NULL while open';
COMMENT ON COLUMN paidan.run_request.claimed_at IS 'when it was taken; NULL while open';
COMMENT ON COLUMN paidan.run_request.run_id IS 'the run that served it; NULL when none was recorded (partition locked by a running run, paused, or not done yet)';
COMMENT ON COLUMN paidan.run_request.outcome IS 'how the run ended: applied, skipped (why), failed (why); NULL until done';
COMMENT ON COLUMN paidan.run_request.done_at IS 'when the run ended; NULL until then';

-- +goose StatementBegin
CREATE FUNCTION paidan.run_request_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_notify('paidan_run_request', NEW.partition);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER run_request_notify AFTER INSERT ON paidan.run_request
    FOR EACH ROW EXECUTE FUNCTION paidan.run_request_notify();

CREATE TABLE paidan.scheduler_heartbeat (
    scheduler  text        PRIMARY KEY CHECK (scheduler <> '' AND length(scheduler) <= 300),
    role       text        NOT NULL DEFAULT session_user CHECK (length(role) <= 300),
    partitions text[]      NOT NULL DEFAULT '{}' CHECK (array_position(partitions, NULL) IS NULL),
    next_at    timestamptz NOT NULL,
    beat_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE paidan.scheduler_heartbeat IS 'one row per running scheduler, upserted after each cycle: when its next cycle starts';
COMMENT ON COLUMN paidan.scheduler_heartbeat.scheduler IS 'the scheduler: host:pid';
COMMENT ON COLUMN paidan.scheduler_heartbeat.role IS 'the database role it runs as';
COMMENT ON COLUMN paidan.scheduler_heartbeat.partitions IS 'the partitions it plans; empty for every partition with work';
COMMENT ON COLUMN paidan.scheduler_heartbeat.next_at IS 'when its next cycle starts';
COMMENT ON COLUMN paidan.scheduler_heartbeat.beat_at IS 'when it last wrote the row (the end of its last cycle, or its start)';

-- +goose StatementBegin
CREATE FUNCTION paidan.run_rules_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    prev record;
BEGIN
    IF NEW.rules_hash IS NULL OR (TG_OP = 'UPDATE' AND NEW.rules_hash IS NOT DISTINCT FROM OLD.rules_hash) THEN
        RETURN NULL;
    END IF;
    SELECT r.id, r.rules_hash INTO prev FROM paidan.run r
    WHERE r.partition = NEW.partition AND r.id <> NEW.id AND r.rules_hash IS NOT NULL
      AND r.started_at <= NEW.started_at
    ORDER BY r.started_at DESC, r.id DESC LIMIT 1;
    IF FOUND AND prev.rules_hash <> NEW.rules_hash THEN
        INSERT INTO paidan.audit (actor, action, target, before, after)
        VALUES ('db:' || session_user, 'rules.change', 'partition:' || NEW.partition,
                jsonb_build_object('run', prev.id, 'rules_hash', prev.rules_hash),
                jsonb_build_object('run', NEW.id, 'rules_hash', NEW.rules_hash));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER run_rules_change AFTER INSERT OR UPDATE OF rules_hash ON paidan.run
    FOR EACH ROW EXECUTE FUNCTION paidan.run_rules_change();

CREATE VIEW paidan.partition_backlog WITH (security_invoker = true) AS
SELECT partition, count(*) AS pending,
       min(created_at) FILTER (WHERE isfinite(created_at)) AS oldest_pending
FROM paidan.task
WHERE status = 'pending'
GROUP BY partition;
COMMENT ON VIEW paidan.partition_backlog IS 'pending tasks per partition and the oldest finite created_at among them: the one definition of a backlog';

REVOKE ALL ON FUNCTION paidan.run_request_notify() FROM PUBLIC;
REVOKE ALL ON FUNCTION paidan.run_rules_change() FROM PUBLIC;
GRANT SELECT, INSERT (partition, requested_by, note) ON paidan.run_request TO paidan_console;
GRANT SELECT, UPDATE (claimed_by, claimed_at, run_id, outcome, done_at) ON paidan.run_request TO paidan_runtime;
GRANT SELECT ON paidan.run_request TO paidan_reader;
GRANT SELECT, INSERT, UPDATE (partitions, next_at, beat_at), DELETE ON paidan.scheduler_heartbeat TO paidan_runtime;
GRANT SELECT ON paidan.scheduler_heartbeat TO paidan_console, paidan_reader;
GRANT SELECT ON paidan.partition_backlog TO paidan_runtime, paidan_business, paidan_reader, paidan_console;
-- The console's run page shows each run's stage durations.
GRANT SELECT ON paidan.run_usage TO paidan_console;

-- +goose Down
DROP VIEW paidan.partition_backlog;
REVOKE SELECT ON paidan.run_usage FROM paidan_console;
DROP TRIGGER run_rules_change ON paidan.run;
DROP FUNCTION paidan.run_rules_change();
DROP TABLE paidan.scheduler_heartbeat;
DROP TABLE paidan.run_request;
DROP FUNCTION paidan.run_request_notify();
