-- run.as_of: the planning instant of a run, the time of the snapshot its
-- load read (the database's now() inside the load's REPEATABLE READ
-- transaction). The plan's waiting times and shift checks are measured from
-- it, so together with input_hash it says exactly what the run planned
-- against. NULL for a run that loaded nothing (failed or skipped before a
-- snapshot) and for runs recorded before this column existed.
--
-- The write-back records a run and finishes it in one transaction that does
-- not carry the snapshot time, so the runtime records as_of just after,
-- once: run_guard, which keeps a final run final, lets exactly one UPDATE
-- through, the one that sets as_of from NULL and changes nothing else.

-- +goose Up
ALTER TABLE paidan.run ADD COLUMN as_of timestamptz;
COMMENT ON COLUMN paidan.run.as_of IS 'planning instant: the time of the snapshot the run loaded (now() in the load transaction); set once';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.run_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF OLD.as_of IS NULL AND NEW.as_of IS NOT NULL
        AND to_jsonb(NEW) - 'as_of' = to_jsonb(OLD) - 'as_of' THEN
        RETURN NEW;
    END IF;
    IF NEW.as_of IS DISTINCT FROM OLD.as_of THEN
        RAISE EXCEPTION 'paidan.run %: as_of is set once, alone', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status <> 'running' THEN
        RAISE EXCEPTION 'paidan.run %: a % run is final', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.id <> OLD.id OR NEW.partition <> OLD.partition OR NEW.started_at <> OLD.started_at THEN
        RAISE EXCEPTION 'paidan.run %: id, partition and started_at do not change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
GRANT UPDATE (as_of) ON paidan.run TO paidan_runtime;

-- +goose Down
REVOKE UPDATE (as_of) ON paidan.run FROM paidan_runtime;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.run_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF OLD.status <> 'running' THEN
        RAISE EXCEPTION 'paidan.run %: a % run is final', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.id <> OLD.id OR NEW.partition <> OLD.partition OR NEW.started_at <> OLD.started_at THEN
        RAISE EXCEPTION 'paidan.run %: id, partition and started_at do not change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
ALTER TABLE paidan.run DROP COLUMN as_of;
