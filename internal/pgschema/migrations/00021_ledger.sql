-- The run ledger: one entry per finished run, chained by SHA-256 in commit
-- order, so that a change to a run's figures, its assignment rows or its
-- unassigned rows after the fact is detectable (paidan ledger verify).
--
-- An entry is appended when a run leaves 'running' (or is inserted final),
-- by a constraint trigger deferred to COMMIT: it sees every row the run's
-- transaction wrote, whatever order they were written in, and takes the
-- ledger_lock row's lock, so entries are numbered in commit order. The
-- canonical encoding hashed here is specified in the README ("Run ledger")
-- and implemented again, independently, by package ledger in Go.
--
-- paidan.ledger is append-only by privilege (no role but the schema owner
-- holds any privilege on it; readers get SELECT) and by trigger.

-- +goose Up
CREATE TABLE paidan.ledger (
    seq               bigint      PRIMARY KEY CHECK (seq >= 1),
    run_id            text        NOT NULL UNIQUE REFERENCES paidan.run (id),
    recorded_at       timestamptz NOT NULL,
    run_digest        bytea       NOT NULL CHECK (octet_length(run_digest) = 32),
    assignment_count  bigint      NOT NULL CHECK (assignment_count >= 0),
    assignment_digest bytea       NOT NULL CHECK (octet_length(assignment_digest) = 32),
    unassigned_count  bigint      NOT NULL CHECK (unassigned_count >= 0),
    unassigned_digest bytea       NOT NULL CHECK (octet_length(unassigned_digest) = 32),
    prev_hash         bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash              bytea       NOT NULL CHECK (octet_length(hash) = 32)
);

-- The row whose lock orders appends: held from the append to COMMIT, so
-- entries are numbered in commit order. It is only ever locked, never
-- updated: a transaction that finishes many runs (the backfill below) would
-- otherwise leave one row version per run to walk past on every lock. The
-- chain head is the last entry.
CREATE TABLE paidan.ledger_lock (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row)
);
INSERT INTO paidan.ledger_lock DEFAULT VALUES;

-- The canonical encoding's fields: a tag byte (0 NULL, 1 a value), then the
-- value. Text and bytes: uint32 length, then the UTF-8 bytes; integers:
-- int64; floats: IEEE 754 binary64; booleans: one byte; timestamps: int64
-- microseconds since 1970-01-01 UTC. All big-endian. These helpers carry
-- no search_path of their own so that PostgreSQL inlines them; their one
-- caller, ledger_record, fixes it to pg_catalog.
-- +goose StatementBegin
CREATE FUNCTION paidan.ledger_text(v text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea
        ELSE '\x01'::bytea || int4send(octet_length(convert_to(v, 'UTF8'))) || convert_to(v, 'UTF8') END
$$;
CREATE FUNCTION paidan.ledger_bytes(v bytea) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || int4send(octet_length(v)) || v END
$$;
CREATE FUNCTION paidan.ledger_int(v bigint) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || int8send(v) END
$$;
CREATE FUNCTION paidan.ledger_float(v double precision) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || float8send(v) END
$$;
CREATE FUNCTION paidan.ledger_bool(v boolean) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea WHEN v THEN '\x0101'::bytea ELSE '\x0100'::bytea END
$$;
CREATE FUNCTION paidan.ledger_time(v timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '\x00'::bytea
        ELSE '\x01'::bytea || int8send((extract(epoch FROM v) * 1000000)::bigint) END
$$;
-- +goose StatementEnd

-- ledger_record appends the entry of finished run id, unless it has one.
-- +goose StatementBegin
CREATE FUNCTION paidan.ledger_record(rid text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r          paidan.run;
    head_seq   bigint;
    head_hash  bytea;
    run_d      bytea;
    a_count    bigint;
    a_digest   bytea;
    u_count    bigint;
    u_digest   bytea;
    rec_at     timestamptz := date_trunc('microseconds', clock_timestamp());
    entry_hash bytea;
BEGIN
    -- The lock orders appends by commit: it is held to COMMIT. Under READ
    -- COMMITTED the next statement then sees the entry of the transaction
    -- that held it before.
    PERFORM FROM paidan.ledger_lock FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'paidan.ledger_lock has lost its row; the ledger cannot be appended in order'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT l.seq, l.hash INTO head_seq, head_hash FROM paidan.ledger l ORDER BY l.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF EXISTS (SELECT FROM paidan.ledger l WHERE l.run_id = rid) THEN
        RETURN;
    END IF;
    SELECT * INTO r FROM paidan.run x WHERE x.id = rid;
    IF NOT FOUND OR r.status = 'running' THEN
        RETURN;
    END IF;

    run_d := sha256(paidan.ledger_text('paidan.run/v1')
        || paidan.ledger_text(r.id) || paidan.ledger_text(r.partition)
        || paidan.ledger_time(r.started_at) || paidan.ledger_time(r.finished_at)
        || paidan.ledger_text(r.status) || paidan.ledger_text(r.rules_hash)
        || paidan.ledger_text(r.input_hash) || paidan.ledger_float(r.objective)
        || paidan.ledger_int(r.objective_units) || paidan.ledger_int(r.dual_bound)
        || paidan.ledger_text(r.certificate) || paidan.ledger_text(r.kpis::text)
        || paidan.ledger_int(r.assigned) || paidan.ledger_int(r.conflicts)
        || paidan.ledger_text(r.error));

    SELECT count(*), sha256(paidan.ledger_text('paidan.assignment/v1')
            || coalesce(string_agg(a.enc, ''::bytea ORDER BY a.task_id COLLATE "C"), ''::bytea))
    INTO a_count, a_digest
    FROM (
        SELECT x.task_id, paidan.ledger_text(x.task_id) || paidan.ledger_text(x.worker_id)
            || paidan.ledger_float(x.distance_km) || paidan.ledger_float(x.cost_travel)
            || paidan.ledger_float(x.cost_balance) || paidan.ledger_float(x.cost_stability)
            || paidan.ledger_bool(x.pinned) AS enc
        FROM paidan.assignment x WHERE x.run_id = rid
        UNION ALL
        SELECT x.task_id, paidan.ledger_text(x.task_id) || paidan.ledger_text(x.worker_id)
            || paidan.ledger_float(x.distance_km) || paidan.ledger_float(x.cost_travel)
            || paidan.ledger_float(x.cost_balance) || paidan.ledger_float(x.cost_stability)
            || paidan.ledger_bool(x.pinned)
        FROM paidan.assignment_archive x WHERE x.run_id = rid
    ) a;

    SELECT count(*), sha256(paidan.ledger_text('paidan.unassigned/v1')
            || coalesce(string_agg(paidan.ledger_text(u.task_id) || paidan.ledger_text(u.reason)
                || paidan.ledger_text(u.detail), ''::bytea ORDER BY u.task_id COLLATE "C"), ''::bytea))
    INTO u_count, u_digest
    FROM paidan.unassigned u WHERE u.run_id = rid;

    entry_hash := sha256(paidan.ledger_text('paidan.ledger/v1')
        || paidan.ledger_int(head_seq + 1) || paidan.ledger_text(r.id) || paidan.ledger_time(rec_at)
        || paidan.ledger_bytes(run_d)
        || paidan.ledger_int(a_count) || paidan.ledger_bytes(a_digest)
        || paidan.ledger_int(u_count) || paidan.ledger_bytes(u_digest)
        || paidan.ledger_bytes(head_hash));

    INSERT INTO paidan.ledger (seq, run_id, recorded_at, run_digest, assignment_count, assignment_digest,
        unassigned_count, unassigned_digest, prev_hash, hash)
    VALUES (head_seq + 1, r.id, rec_at, run_d, a_count, a_digest, u_count, u_digest, head_hash, entry_hash);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.ledger_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM paidan.ledger_record(NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER ledger_on_finish AFTER UPDATE ON paidan.run
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running')
    EXECUTE FUNCTION paidan.ledger_append();
CREATE CONSTRAINT TRIGGER ledger_on_insert_final AFTER INSERT ON paidan.run
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status <> 'running')
    EXECUTE FUNCTION paidan.ledger_append();
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON paidan.ledger
    FOR EACH ROW EXECUTE FUNCTION paidan.refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON paidan.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.refuse_change();

-- Runs that finished before the ledger existed, in the order they finished.
-- +goose StatementBegin
DO $$
DECLARE
    rid text;
BEGIN
    FOR rid IN SELECT id FROM paidan.run WHERE status <> 'running' ORDER BY finished_at, id LOOP
        PERFORM paidan.ledger_record(rid);
    END LOOP;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON paidan.ledger, paidan.ledger_lock FROM PUBLIC;
REVOKE ALL ON FUNCTION paidan.ledger_record(text), paidan.ledger_append() FROM PUBLIC;
-- +goose StatementBegin
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['paidan_reader', 'paidan_console'] LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT SELECT ON paidan.ledger TO %I', r);
        END IF;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Append-only by privilege, whatever default privileges earlier migrations
-- or a DBA set up in this schema: no role but the owner keeps a privilege
-- to change the ledger or the history tables.
-- +goose StatementBegin
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT c.oid::regclass AS tbl, a.grantee::regrole AS grantee
        FROM pg_catalog.pg_class c
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid IN ('paidan.ledger'::regclass, 'paidan.ledger_lock'::regclass,
                        'paidan.edit_history'::regclass, 'paidan.assignment_archive'::regclass)
          AND a.grantee <> c.relowner AND a.grantee <> 0
          AND a.privilege_type NOT IN ('SELECT', 'REFERENCES')
    LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER ON %s FROM %s', g.tbl, g.grantee);
    END LOOP;
END
$$;
-- +goose StatementEnd

COMMENT ON TABLE paidan.ledger IS 'one SHA-256-chained entry per finished run, in commit order; append-only; checked by paidan ledger verify';
COMMENT ON TABLE paidan.ledger_lock IS 'one row, locked (never updated) by each ledger append until COMMIT: entries in commit order';

-- +goose Down
DROP TRIGGER ledger_on_insert_final ON paidan.run;
DROP TRIGGER ledger_on_finish ON paidan.run;
DROP TABLE paidan.ledger_lock;
DROP TABLE paidan.ledger;
DROP FUNCTION paidan.ledger_append();
DROP FUNCTION paidan.ledger_record(text);
DROP FUNCTION paidan.ledger_time(timestamptz);
DROP FUNCTION paidan.ledger_bool(boolean);
DROP FUNCTION paidan.ledger_float(double precision);
DROP FUNCTION paidan.ledger_int(bigint);
DROP FUNCTION paidan.ledger_bytes(bytea);
DROP FUNCTION paidan.ledger_text(text);
