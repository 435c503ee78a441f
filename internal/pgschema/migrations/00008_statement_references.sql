-- The references between the dispatch tables are checked once per
-- statement instead of once per row. A foreign key checks every written row
-- with a query of its own: a write-back of n assignments ran 5n of them
-- (task.assigned_worker, task.assigned_run, assignment.run_id, .task_id,
-- .worker_id), about four fifths of its time. The triggers below check the
-- same references over each statement's transition table, one set-based
-- query per referenced table, and keep the same rules and the same
-- SQLSTATE (23503 foreign_key_violation):
--
--   referencing side, after INSERT or UPDATE of the referencing rows: every
--   task.assigned_worker and assignment.worker_id names a worker, every
--   task.assigned_run, assignment.run_id and unassigned.run_id a run, every
--   assignment.task_id a task; the referenced rows are locked FOR KEY SHARE
--   (as a foreign key's check locks them) until the transaction ends, so
--   that none of them is deleted or renamed meanwhile;
--   referenced side: deleting a task deletes its assignments (ON DELETE
--   CASCADE, as before); deleting or renaming a worker or a run that
--   something references fails; a task's id and a run's id never change.
--
-- Concurrency: a foreign key's referenced-side check sees rows that a
-- concurrent transaction committed after its snapshot; a trigger's query
-- does under READ COMMITTED (each statement takes a new snapshot), and
-- under REPEATABLE READ a deleter of a row that the write-back changed
-- (every task, worker and run a write-back references it also updates:
-- status, load, the run's figures) fails with a serialization error
-- instead. A referencing row written by hand (only the schema owner may)
-- concurrently with a REPEATABLE READ delete of its worker is the one case
-- a foreign key covers and these triggers do not; no paidan role can write
-- such a row.

-- +goose Up
ALTER TABLE paidan.task DROP CONSTRAINT task_assigned_worker_fkey;
ALTER TABLE paidan.task DROP CONSTRAINT task_assigned_run_fkey;
ALTER TABLE paidan.assignment DROP CONSTRAINT assignment_run_id_fkey;
ALTER TABLE paidan.assignment DROP CONSTRAINT assignment_task_id_fkey;
ALTER TABLE paidan.assignment DROP CONSTRAINT assignment_worker_id_fkey;
ALTER TABLE paidan.unassigned DROP CONSTRAINT unassigned_run_id_fkey;

-- The referencing side. Each check counts the distinct keys a statement
-- wrote, locks the rows they name FOR KEY SHARE and counts those; fewer
-- rows than keys is a violation, reported with one missing key.
-- +goose StatementBegin
CREATE FUNCTION paidan.task_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.assigned_worker FROM new_task n WHERE n.assigned_worker IS NOT NULL) k;
    IF v_want > 0 THEN
        SELECT count(*) INTO v_found FROM (
            SELECT FROM paidan.worker w
            JOIN (SELECT DISTINCT n.assigned_worker AS id FROM new_task n) k ON w.id = k.id
            FOR KEY SHARE OF w) x;
        IF v_found < v_want THEN
            SELECT n.assigned_worker INTO v_missing FROM new_task n
            WHERE NOT EXISTS (SELECT FROM paidan.worker w WHERE w.id = n.assigned_worker) LIMIT 1;
            RAISE EXCEPTION 'paidan.task.assigned_worker: worker "%" is not present in table paidan.worker', v_missing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.assigned_run FROM new_task n WHERE n.assigned_run IS NOT NULL) k;
    IF v_want > 0 THEN
        SELECT count(*) INTO v_found FROM (
            SELECT FROM paidan.run r
            JOIN (SELECT DISTINCT n.assigned_run AS id FROM new_task n) k ON r.id = k.id
            FOR KEY SHARE OF r) x;
        IF v_found < v_want THEN
            SELECT n.assigned_run INTO v_missing FROM new_task n
            WHERE NOT EXISTS (SELECT FROM paidan.run r WHERE r.id = n.assigned_run) LIMIT 1;
            RAISE EXCEPTION 'paidan.task.assigned_run: run "%" is not present in table paidan.run', v_missing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.assignment_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_me      xid;
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.run_id FROM new_assignment n WHERE n.run_id IS NOT NULL) k;
    SELECT count(*) INTO v_found FROM (
        SELECT FROM paidan.run r
        JOIN (SELECT DISTINCT n.run_id AS id FROM new_assignment n) k ON r.id = k.id
        FOR KEY SHARE OF r) x;
    IF v_found < v_want THEN
        SELECT n.run_id INTO v_missing FROM new_assignment n
        WHERE NOT EXISTS (SELECT FROM paidan.run r WHERE r.id = n.run_id) LIMIT 1;
        RAISE EXCEPTION 'paidan.assignment.run_id: run "%" is not present in table paidan.run', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.worker_id FROM new_assignment n WHERE n.worker_id IS NOT NULL) k;
    SELECT count(*) INTO v_found FROM (
        SELECT FROM paidan.worker w
        JOIN (SELECT DISTINCT n.worker_id AS id FROM new_assignment n) k ON w.id = k.id
        FOR KEY SHARE OF w) x;
    IF v_found < v_want THEN
        SELECT n.worker_id INTO v_missing FROM new_assignment n
        WHERE NOT EXISTS (SELECT FROM paidan.worker w WHERE w.id = n.worker_id) LIMIT 1;
        RAISE EXCEPTION 'paidan.assignment.worker_id: worker "%" is not present in table paidan.worker', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- A task row this transaction wrote (the write-back updates every task
    -- it assigns) needs no lock: no other transaction can delete or
    -- rename it before this one ends. Only the others are locked.
    v_me := (pg_current_xact_id()::text::bigint % 4294967296)::text::xid;
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.task_id FROM new_assignment n WHERE n.task_id IS NOT NULL) k;
    WITH refs AS MATERIALIZED (
        SELECT t.id, t.xmin = v_me AS mine
        FROM paidan.task t JOIN (SELECT DISTINCT n.task_id AS id FROM new_assignment n) k ON t.id = k.id
    ), locked AS (
        SELECT FROM paidan.task t JOIN refs r ON t.id = r.id AND NOT r.mine
        FOR KEY SHARE OF t
    )
    SELECT (SELECT count(*) FROM refs r WHERE r.mine) + (SELECT count(*) FROM locked) INTO v_found;
    IF v_found < v_want THEN
        SELECT n.task_id INTO v_missing FROM new_assignment n
        WHERE NOT EXISTS (SELECT FROM paidan.task t WHERE t.id = n.task_id) LIMIT 1;
        RAISE EXCEPTION 'paidan.assignment.task_id: task "%" is not present in table paidan.task', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.unassigned_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    SELECT count(*) INTO v_want FROM (SELECT DISTINCT n.run_id FROM new_unassigned n WHERE n.run_id IS NOT NULL) k;
    SELECT count(*) INTO v_found FROM (
        SELECT FROM paidan.run r
        JOIN (SELECT DISTINCT n.run_id AS id FROM new_unassigned n) k ON r.id = k.id
        FOR KEY SHARE OF r) x;
    IF v_found < v_want THEN
        SELECT n.run_id INTO v_missing FROM new_unassigned n
        WHERE NOT EXISTS (SELECT FROM paidan.run r WHERE r.id = n.run_id) LIMIT 1;
        RAISE EXCEPTION 'paidan.unassigned.run_id: run "%" is not present in table paidan.run', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Deleting tasks deletes their assignments. Runs as the schema owner, as
-- the cascade of a foreign key did, so that the business role needs no
-- DELETE on paidan.assignment.
-- +goose StatementBegin
CREATE FUNCTION paidan.task_delete_assignments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM paidan.assignment a USING old_task o WHERE a.task_id = o.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A worker something references is neither deleted (statement trigger)
-- nor renamed (row trigger, fired only when the id changes).
-- +goose StatementBegin
CREATE FUNCTION paidan.worker_check_referenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id text;
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        IF EXISTS (SELECT FROM paidan.task t WHERE t.assigned_worker = OLD.id)
                OR EXISTS (SELECT FROM paidan.assignment a WHERE a.worker_id = OLD.id) THEN
            v_id := OLD.id;
        END IF;
    ELSE
        SELECT o.id INTO v_id FROM old_worker o
        WHERE EXISTS (SELECT FROM paidan.task t WHERE t.assigned_worker = o.id)
           OR EXISTS (SELECT FROM paidan.assignment a WHERE a.worker_id = o.id)
        LIMIT 1;
    END IF;
    IF v_id IS NOT NULL THEN
        RAISE EXCEPTION 'paidan.worker "%" is still referenced by paidan.task or paidan.assignment', v_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A run something references is not deleted (run_guard keeps its id).
-- +goose StatementBegin
CREATE FUNCTION paidan.run_check_referenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id text;
BEGIN
    SELECT o.id INTO v_id FROM old_run o
    WHERE EXISTS (SELECT FROM paidan.assignment a WHERE a.run_id = o.id)
       OR EXISTS (SELECT FROM paidan.unassigned u WHERE u.run_id = o.id)
       OR EXISTS (SELECT FROM paidan.task t WHERE t.assigned_run = o.id)
    LIMIT 1;
    IF v_id IS NOT NULL THEN
        RAISE EXCEPTION 'paidan.run "%" is still referenced by paidan.task, paidan.assignment or paidan.unassigned', v_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- task_guard as in 00002, and a task's id never changes (its assignments
-- and unassigned rows name it).
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

-- task_guard fires for every UPDATE of a task but the write-back's, which
-- makes exactly the change it would: pending -> assigned with the version
-- bumped and updated_at now() (paidan.apply_run sets both). Skipping it
-- there changes no outcome and saves a PL/pgSQL call per assigned task.
DROP TRIGGER task_guard ON paidan.task;
CREATE TRIGGER task_guard_insert BEFORE INSERT ON paidan.task
    FOR EACH ROW EXECUTE FUNCTION paidan.task_guard();
CREATE TRIGGER task_guard BEFORE UPDATE ON paidan.task
    FOR EACH ROW WHEN (OLD.status <> 'pending' OR NEW.status <> 'assigned'
                       OR NEW.version <> OLD.version + 1 OR NEW.updated_at IS DISTINCT FROM now())
    EXECUTE FUNCTION paidan.task_guard();

CREATE TRIGGER task_references_insert AFTER INSERT ON paidan.task
    REFERENCING NEW TABLE AS new_task
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.task_check_references();
CREATE TRIGGER task_references_update AFTER UPDATE ON paidan.task
    REFERENCING NEW TABLE AS new_task
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.task_check_references();
CREATE TRIGGER task_delete_assignments AFTER DELETE ON paidan.task
    REFERENCING OLD TABLE AS old_task
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.task_delete_assignments();
CREATE TRIGGER assignment_references_insert AFTER INSERT ON paidan.assignment
    REFERENCING NEW TABLE AS new_assignment
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.assignment_check_references();
CREATE TRIGGER assignment_references_update AFTER UPDATE ON paidan.assignment
    REFERENCING NEW TABLE AS new_assignment
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.assignment_check_references();
CREATE TRIGGER unassigned_references_insert AFTER INSERT ON paidan.unassigned
    REFERENCING NEW TABLE AS new_unassigned
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.unassigned_check_references();
CREATE TRIGGER unassigned_references_update AFTER UPDATE ON paidan.unassigned
    REFERENCING NEW TABLE AS new_unassigned
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.unassigned_check_references();
CREATE TRIGGER worker_referenced_delete AFTER DELETE ON paidan.worker
    REFERENCING OLD TABLE AS old_worker
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.worker_check_referenced();
CREATE TRIGGER worker_referenced_rename AFTER UPDATE OF id ON paidan.worker
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION paidan.worker_check_referenced();
CREATE TRIGGER run_referenced_delete AFTER DELETE ON paidan.run
    REFERENCING OLD TABLE AS old_run
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.run_check_referenced();

REVOKE ALL ON FUNCTION paidan.task_check_references(),
    paidan.assignment_check_references(), paidan.unassigned_check_references(),
    paidan.task_delete_assignments(), paidan.worker_check_referenced(), paidan.run_check_referenced()
    FROM PUBLIC;

-- +goose Down
DROP TRIGGER task_guard_insert ON paidan.task;
DROP TRIGGER task_guard ON paidan.task;
CREATE TRIGGER task_guard BEFORE INSERT OR UPDATE ON paidan.task
    FOR EACH ROW EXECUTE FUNCTION paidan.task_guard();
DROP TRIGGER task_references_insert ON paidan.task;
DROP TRIGGER task_references_update ON paidan.task;
DROP TRIGGER task_delete_assignments ON paidan.task;
DROP TRIGGER assignment_references_insert ON paidan.assignment;
DROP TRIGGER assignment_references_update ON paidan.assignment;
DROP TRIGGER unassigned_references_insert ON paidan.unassigned;
DROP TRIGGER unassigned_references_update ON paidan.unassigned;
DROP TRIGGER worker_referenced_delete ON paidan.worker;
DROP TRIGGER worker_referenced_rename ON paidan.worker;
DROP TRIGGER run_referenced_delete ON paidan.run;
DROP FUNCTION paidan.task_check_references();
DROP FUNCTION paidan.assignment_check_references();
DROP FUNCTION paidan.unassigned_check_references();
DROP FUNCTION paidan.task_delete_assignments();
DROP FUNCTION paidan.worker_check_referenced();
DROP FUNCTION paidan.run_check_referenced();
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
ALTER TABLE paidan.task ADD CONSTRAINT task_assigned_worker_fkey FOREIGN KEY (assigned_worker) REFERENCES paidan.worker (id);
ALTER TABLE paidan.task ADD CONSTRAINT task_assigned_run_fkey FOREIGN KEY (assigned_run) REFERENCES paidan.run (id);
ALTER TABLE paidan.assignment ADD CONSTRAINT assignment_run_id_fkey FOREIGN KEY (run_id) REFERENCES paidan.run (id);
ALTER TABLE paidan.assignment ADD CONSTRAINT assignment_task_id_fkey FOREIGN KEY (task_id) REFERENCES paidan.task (id) ON DELETE CASCADE;
ALTER TABLE paidan.assignment ADD CONSTRAINT assignment_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES paidan.worker (id);
ALTER TABLE paidan.unassigned ADD CONSTRAINT unassigned_run_id_fkey FOREIGN KEY (run_id) REFERENCES paidan.run (id);
