-- The nine limits of 00010 on paidan.task move from CHECK constraints to
-- one row trigger, task_limits, that fires on INSERT and on an UPDATE whose
-- SET list names one of the columns they read (id, partition, region,
-- skills, priority, created_at, due_at, pinned_worker, previous_worker).
--
-- PostgreSQL evaluates every CHECK of a table on every UPDATE, whichever
-- columns it sets, so the write-back's UPDATE (status, assigned_worker,
-- assigned_run, version, updated_at) paid for all nine on every row, five
-- of them regular expressions: 9.5% of apply_run's instructions at 100,000
-- assignments (README, *Write-back benchmark*). An UPDATE OF trigger is not
-- even looked at when the SET list names none of its columns.
--
-- The same rows are refused: the trigger's WHEN is the nine expressions,
-- unchanged, and fires when one of them is false (NULL passes, as it passes
-- a CHECK); its function raises check_violation with the name of the
-- constraint it replaces (the first false one by name, the order in which
-- PostgreSQL evaluates CHECKs), which is what ingest/postgres maps to a row
-- error. task_guard sets previous_worker itself when an assigned task goes
-- back to pending, in an UPDATE that need not name the column, so it now
-- checks the value it sets against task_worker_refs.
--
-- What changes: the trigger runs after the BEFORE triggers named before it
-- (task_guard, task_guard_insert) and before the NOT NULL and the other
-- CHECK constraints, so a row breaking one of these limits and one of those
-- is refused under this limit's name; and, as the constraints were NOT
-- VALID, a row written before 00010 is checked only in the columns an
-- UPDATE names rather than in all of them.
--
-- paidan.worker keeps its CHECKs: the write-back updates one row per
-- worker in the plan, not one per assignment.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION paidan.task_limits() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    v_name text;
BEGIN
    -- In constraint-name order; each test is its CHECK's expression IS FALSE.
    v_name := CASE
        WHEN (NEW.created_at BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00') IS FALSE
            THEN 'task_created_at_range'
        WHEN (NEW.due_at BETWEEN NEW.created_at AND '2262-04-11 23:47:16.854775+00') IS FALSE
            THEN 'task_due_at_range'
        WHEN (octet_length(NEW.id) <= 200) IS FALSE THEN 'task_id_bytes'
        WHEN (NEW.id !~ '[\x01-\x1f\x7f]') IS FALSE THEN 'task_id_printable'
        WHEN (octet_length(NEW.partition) <= 200 AND NEW.partition !~ '[\x01-\x1f\x7f]') IS FALSE
            THEN 'task_partition_name'
        WHEN (NEW.priority <= 1000) IS FALSE THEN 'task_priority_max'
        WHEN (octet_length(NEW.region) <= 200 AND NEW.region !~ '[\x01-\x1f\x7f]') IS FALSE
            THEN 'task_region_name'
        WHEN (cardinality(NEW.skills) <= 64 AND array_to_string(NEW.skills, ',') !~ '[\x01-\x1f\x7f]') IS FALSE
            THEN 'task_skills_names'
        WHEN (octet_length(NEW.pinned_worker) <= 200 AND NEW.pinned_worker !~ '[\x01-\x1f\x7f]'
              AND octet_length(NEW.previous_worker) <= 200 AND NEW.previous_worker !~ '[\x01-\x1f\x7f]') IS FALSE
            THEN 'task_worker_refs'
    END;
    IF v_name IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "task" violates check constraint "%"', v_name
            USING ERRCODE = 'check_violation', CONSTRAINT = v_name, TABLE = 'task', SCHEMA = 'paidan';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION paidan.task_limits() FROM PUBLIC;

-- BEFORE row triggers fire in name order: task_limits after task_guard and
-- task_guard_insert, so it sees the row they return.
CREATE TRIGGER task_limits
    BEFORE INSERT OR UPDATE OF id, partition, region, skills, priority, created_at, due_at,
        pinned_worker, previous_worker ON paidan.task
    FOR EACH ROW
    WHEN ((octet_length(NEW.id) <= 200
        AND octet_length(NEW.partition) <= 200 AND NEW.partition !~ '[\x01-\x1f\x7f]'
        AND NEW.id !~ '[\x01-\x1f\x7f]'
        AND octet_length(NEW.region) <= 200 AND NEW.region !~ '[\x01-\x1f\x7f]'
        AND cardinality(NEW.skills) <= 64 AND array_to_string(NEW.skills, ',') !~ '[\x01-\x1f\x7f]'
        AND NEW.priority <= 1000
        AND NEW.created_at BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00'
        AND NEW.due_at BETWEEN NEW.created_at AND '2262-04-11 23:47:16.854775+00'
        AND octet_length(NEW.pinned_worker) <= 200 AND NEW.pinned_worker !~ '[\x01-\x1f\x7f]'
        AND octet_length(NEW.previous_worker) <= 200 AND NEW.previous_worker !~ '[\x01-\x1f\x7f]') IS FALSE)
    EXECUTE FUNCTION paidan.task_limits();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' THEN
            RAISE EXCEPTION 'paidan.task %: a new task must be pending, not %', NEW.id, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'paidan.task %: the id of a task does not change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = OLD.status THEN
        IF NEW.status = 'assigned' AND (NEW.assigned_worker IS DISTINCT FROM OLD.assigned_worker
                OR NEW.assigned_run IS DISTINCT FROM OLD.assigned_run) THEN
            RAISE EXCEPTION 'paidan.task %: the worker and run of an assigned task do not change; move it to pending first', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF (OLD.status, NEW.status) NOT IN (('pending', 'assigned'), ('pending', 'cancelled'),
            ('assigned', 'done'), ('assigned', 'cancelled'), ('assigned', 'pending')) THEN
        RAISE EXCEPTION 'paidan.task %: status % cannot become %', NEW.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    ELSIF OLD.status = 'assigned' AND NEW.status = 'pending' THEN
        NEW.previous_worker := OLD.assigned_worker;
        NEW.assigned_worker := NULL;
        NEW.assigned_run := NULL;
        -- task_worker_refs (00069: task_limits fires only when the
        -- UPDATE names previous_worker).
        IF (octet_length(NEW.previous_worker) <= 200 AND NEW.previous_worker !~ '[\x01-\x1f\x7f]') IS FALSE THEN
            RAISE EXCEPTION 'new row for relation "task" violates check constraint "task_worker_refs"'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'task_worker_refs', TABLE = 'task', SCHEMA = 'paidan';
        END IF;
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

ALTER TABLE paidan.task
    DROP CONSTRAINT task_worker_refs,
    DROP CONSTRAINT task_due_at_range,
    DROP CONSTRAINT task_created_at_range,
    DROP CONSTRAINT task_priority_max,
    DROP CONSTRAINT task_skills_names,
    DROP CONSTRAINT task_region_name,
    DROP CONSTRAINT task_id_printable,
    DROP CONSTRAINT task_partition_name,
    DROP CONSTRAINT task_id_bytes;

-- +goose Down
-- NOT VALID again: the rows written meanwhile were checked by task_limits.
ALTER TABLE paidan.task
    ADD CONSTRAINT task_id_bytes CHECK (octet_length(id) <= 200) NOT VALID,
    ADD CONSTRAINT task_partition_name CHECK (octet_length(partition) <= 200 AND partition !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_id_printable CHECK (id !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_region_name CHECK (octet_length(region) <= 200 AND region !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_skills_names CHECK (cardinality(skills) <= 64 AND array_to_string(skills, ',') !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_priority_max CHECK (priority <= 1000) NOT VALID,
    ADD CONSTRAINT task_created_at_range CHECK (created_at BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT task_due_at_range CHECK (due_at BETWEEN created_at AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT task_worker_refs CHECK (octet_length(pinned_worker) <= 200 AND pinned_worker !~ '[\x01-\x1f\x7f]'
        AND octet_length(previous_worker) <= 200 AND previous_worker !~ '[\x01-\x1f\x7f]') NOT VALID;

DROP TRIGGER task_limits ON paidan.task;
DROP FUNCTION paidan.task_limits();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' THEN
            RAISE EXCEPTION 'paidan.task %: a new task must be pending, not %', NEW.id, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'paidan.task %: the id of a task does not change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = OLD.status THEN
        IF NEW.status = 'assigned' AND (NEW.assigned_worker IS DISTINCT FROM OLD.assigned_worker
                OR NEW.assigned_run IS DISTINCT FROM OLD.assigned_run) THEN
            RAISE EXCEPTION 'paidan.task %: the worker and run of an assigned task do not change; move it to pending first', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF (OLD.status, NEW.status) NOT IN (('pending', 'assigned'), ('pending', 'cancelled'),
            ('assigned', 'done'), ('assigned', 'cancelled'), ('assigned', 'pending')) THEN
        RAISE EXCEPTION 'paidan.task %: status % cannot become %', NEW.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    ELSIF OLD.status = 'assigned' AND NEW.status = 'pending' THEN
        NEW.previous_worker := OLD.assigned_worker;
        NEW.assigned_worker := NULL;
        NEW.assigned_run := NULL;
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
