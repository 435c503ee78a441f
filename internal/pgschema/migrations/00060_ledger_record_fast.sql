-- A faster ledger entry at COMMIT, with the same bytes.
--
-- paidan.ledger_record (00021) encodes each of a run's assignment and
-- unassigned rows field by field through the ledger_* helpers: every text
-- is converted to UTF-8 twice (once for its length prefix, once for its
-- bytes), every field is a CASE for NULL and two concatenations, and the
-- assignment encoding is written twice (assignment and
-- assignment_archive). At COMMIT of a write-back that was about a tenth of
-- the server's instructions (README, "Write-back benchmark"). This form
-- writes the encoding out once over both tables: the columns it reads are
-- NOT NULL, so each field is its tag byte 1 and its value; a text's length
-- prefix is its octet_length when the database's encoding is UTF8 or
-- SQL_ASCII (the UTF-8 bytes are then the stored bytes), and the length of
-- its conversion otherwise. The canonical encoding, and so every digest
-- and hash, is unchanged: package ledger's Go verifier checks entries
-- written by either form (ledger/postgres tests).
--
-- Expand only: the function is replaced (its owner, grants and the
-- triggers that call it stay).

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.ledger_record(rid text) RETURNS void
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
    -- A text's UTF-8 length is its length in the database's encoding when
    -- that is UTF8 (or SQL_ASCII, which convert_to passes through
    -- unchanged after checking it is valid UTF-8).
    same_bytes boolean := getdatabaseencoding() IN ('UTF8', 'SQL_ASCII');
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

    -- The rows' fields encoded as ledger_text, ledger_float and ledger_bool
    -- do, written out: every column read here is NOT NULL in both tables,
    -- so each field is its tag 1 and its value, and each text is
    -- converted once (ledger_text converts it twice, once for its length).
    SELECT count(*), sha256(paidan.ledger_text('paidan.assignment/v1')
            || coalesce(string_agg('\x01'::bytea
                    || int4send(CASE WHEN same_bytes THEN octet_length(x.task_id)
                                ELSE octet_length(convert_to(x.task_id, 'UTF8')) END)
                    || convert_to(x.task_id, 'UTF8')
                    || '\x01'::bytea
                    || int4send(CASE WHEN same_bytes THEN octet_length(x.worker_id)
                                ELSE octet_length(convert_to(x.worker_id, 'UTF8')) END)
                    || convert_to(x.worker_id, 'UTF8')
                    || '\x01'::bytea || float8send(x.distance_km)
                    || '\x01'::bytea || float8send(x.cost_travel)
                    || '\x01'::bytea || float8send(x.cost_balance)
                    || '\x01'::bytea || float8send(x.cost_stability)
                    || CASE WHEN x.pinned THEN '\x0101'::bytea ELSE '\x0100'::bytea END,
                ''::bytea ORDER BY x.task_id COLLATE "C"), ''::bytea))
    INTO a_count, a_digest
    FROM (
        SELECT a.task_id, a.worker_id, a.distance_km, a.cost_travel, a.cost_balance,
               a.cost_stability, a.pinned
        FROM paidan.assignment a WHERE a.run_id = rid
        UNION ALL
        SELECT a.task_id, a.worker_id, a.distance_km, a.cost_travel, a.cost_balance,
               a.cost_stability, a.pinned
        FROM paidan.assignment_archive a WHERE a.run_id = rid
    ) x;

    SELECT count(*), sha256(paidan.ledger_text('paidan.unassigned/v1')
            || coalesce(string_agg('\x01'::bytea
                    || int4send(CASE WHEN same_bytes THEN octet_length(u.task_id)
                                ELSE octet_length(convert_to(u.task_id, 'UTF8')) END)
                    || convert_to(u.task_id, 'UTF8')
                    || '\x01'::bytea
                    || int4send(CASE WHEN same_bytes THEN octet_length(u.reason)
                                ELSE octet_length(convert_to(u.reason, 'UTF8')) END)
                    || convert_to(u.reason, 'UTF8')
                    || '\x01'::bytea
                    || int4send(CASE WHEN same_bytes THEN octet_length(u.detail)
                                ELSE octet_length(convert_to(u.detail, 'UTF8')) END)
                    || convert_to(u.detail, 'UTF8'),
                ''::bytea ORDER BY u.task_id COLLATE "C"), ''::bytea))
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

-- +goose Down
-- The form of 00021.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.ledger_record(rid text) RETURNS void
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
