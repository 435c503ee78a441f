-- run_input: what an applied run planned from and decided, kept so that
-- anyone can re-check the run later from files alone (paidan export --run ID
-- writes it out as a run directory; paidan verify and paidan replay read
-- that) and the console can explain a task from the run's own data rather
-- than by planning again. One row per kept run: the run directory's files
-- (the loaded batch and rules as a Parquet dataset, the plan's Parquet
-- export with its dual potentials and manifest) as one tar archive, format
-- 'rundir-tar/1' (package runsnap). The Parquet files are zstd-compressed
-- already, so the column is stored without PostgreSQL's own compression.
--
-- The runtime role inserts a run's row once, after its write-back commits;
-- a trigger refuses a row whose hashes or partition are not the run's, or
-- whose run is not applied, so input_hash here is always the run's, which
-- the run ledger covers. Retention keeps the newest rows of each partition:
-- prune_run_input, which the runtime may call, deletes the others and never
-- the newest. Readers and the console read.

-- +goose Up
CREATE TABLE paidan.run_input (
    run_id     text        PRIMARY KEY REFERENCES paidan.run (id) ON DELETE CASCADE,
    partition  text        NOT NULL CHECK (length(partition) <= 200),
    format     text        NOT NULL CHECK (format = 'rundir-tar/1'),
    input_hash text        NOT NULL CHECK (input_hash ~ '^[0-9a-f]{64}$'),
    rules_hash text        NOT NULL CHECK (rules_hash ~ '^[0-9a-f]{64}$'),
    sha256     text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size       bigint      NOT NULL CHECK (size > 0),
    data       bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT run_input_size CHECK (octet_length(data) = size)
);
COMMENT ON TABLE paidan.run_input IS 'the input snapshot and plan of each kept applied run, as a run-directory archive (runsnap)';
CREATE INDEX run_input_by_partition ON paidan.run_input (partition, created_at DESC, run_id DESC);

-- +goose StatementBegin
CREATE FUNCTION paidan.run_input_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    r record;
BEGIN
    SELECT partition, status, input_hash, rules_hash INTO r FROM paidan.run WHERE id = NEW.run_id;
    IF NOT FOUND OR r.status <> 'applied' THEN
        RAISE EXCEPTION 'paidan.run_input %: the run is not applied', NEW.run_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.partition <> r.partition OR NEW.input_hash IS DISTINCT FROM r.input_hash
        OR NEW.rules_hash IS DISTINCT FROM r.rules_hash THEN
        RAISE EXCEPTION 'paidan.run_input %: partition, input hash and rules hash must be the run''s', NEW.run_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER run_input_check BEFORE INSERT OR UPDATE ON paidan.run_input
    FOR EACH ROW EXECUTE FUNCTION paidan.run_input_check();

-- prune_run_input keeps the newest keep rows (at least one) of a partition
-- and deletes the others; it returns how many it deleted. It runs as the
-- schema owner so that the runtime role needs no DELETE on the table.
-- +goose StatementBegin
CREATE FUNCTION paidan.prune_run_input(p_partition text, keep integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF keep IS NULL OR keep < 1 THEN
        RAISE EXCEPTION 'paidan.prune_run_input: keep must be at least 1, not %', keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM paidan.run_input WHERE run_id IN (
        SELECT run_id FROM paidan.run_input WHERE partition = p_partition
        ORDER BY created_at DESC, run_id DESC OFFSET keep);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION paidan.prune_run_input(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION paidan.run_input_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION paidan.prune_run_input(text, integer) TO paidan_runtime;
GRANT SELECT, INSERT ON paidan.run_input TO paidan_runtime;
GRANT SELECT ON paidan.run_input TO paidan_reader, paidan_console;

COMMENT ON COLUMN paidan.run_input.run_id IS 'the run (paidan.run.id) whose input and plan this is';
COMMENT ON COLUMN paidan.run_input.partition IS 'the run''s partition';
COMMENT ON COLUMN paidan.run_input.format IS 'archive format: rundir-tar/1, a tar of the run directory''s files (package runsnap)';
COMMENT ON COLUMN paidan.run_input.input_hash IS 'SHA-256 (hex) of the loaded batch: equal to the run''s input_hash';
COMMENT ON COLUMN paidan.run_input.rules_hash IS 'SHA-256 (hex) of the rules: equal to the run''s rules_hash';
COMMENT ON COLUMN paidan.run_input.sha256 IS 'SHA-256 (hex) of data';
COMMENT ON COLUMN paidan.run_input.size IS 'bytes in data';
COMMENT ON COLUMN paidan.run_input.data IS 'the run directory as a tar archive of zstd-compressed Parquet files, rules and manifest';
COMMENT ON COLUMN paidan.run_input.created_at IS 'when the snapshot was kept (after the write-back committed)';

-- +goose Down
DROP TABLE paidan.run_input;
DROP FUNCTION paidan.prune_run_input(text, integer);
DROP FUNCTION paidan.run_input_check();
