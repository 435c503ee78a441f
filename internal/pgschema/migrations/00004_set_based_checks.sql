-- Set-based integrity checks for the write-back. EXPLAIN ANALYZE of a
-- 100k-assignment write-back (load average ~1) spent 2.1 s of its 5.8 s in
-- five row-level foreign-key checks — task.assigned_worker 0.44 s,
-- task.assigned_run 0.36 s, assignment.run_id 0.34 s, .task_id 0.53 s,
-- .worker_id 0.42 s: one SPI query and one row lock per row and key — and
-- 0.31 s in task_guard, whose SET search_path made every call save and
-- restore the GUC state.
--
-- This migration keeps every guarantee and checks it once per statement,
-- over the transition tables, instead:
--   * task: after each UPDATE, the workers and runs the tasks reference are
--     locked FOR KEY SHARE (one query per table, each row once) and a task
--     referencing a missing one is rejected (task_after_update, which keeps
--     maintaining worker.load as before). An INSERT cannot set them (a new
--     task is pending, and a pending task references nothing).
--   * assignment: after each INSERT, the referenced tasks (but the row
--     versions this transaction wrote itself, which no one else can delete
--     before it ends), workers and runs are locked FOR KEY SHARE and a row
--     whose task, worker or run is missing is rejected; an active row must
--     moreover agree with its task (assigned to that worker by that run),
--     which no foreign key said.
--   * the referenced side: deleting a task deletes its assignments (as ON
--     DELETE CASCADE did, now one statement per DELETE); deleting or
--     renaming a worker or run that a task or an assignment references, or
--     changing an assignment's keys, is rejected — all with SQLSTATE 23503
--     (foreign_key_violation), as the foreign keys did.
--   * lock_workers takes FOR NO KEY UPDATE instead of FOR UPDATE, so that
--     these FOR KEY SHARE locks do not wait for a write-back.
--   * The primary key of assignment becomes (task_id, run_id), the same
--     columns, so that the cascade and "the assignments of a task" use it.
--   * task_guard, worker_guard and run_guard lose their SET search_path: they
--     touch no table and are not SECURITY DEFINER, so a caller's search_path
--     cannot change what they do (pg_catalog is searched first).
--
-- The one thing a foreign key did that these checks do not: in a REPEATABLE
-- READ or SERIALIZABLE transaction, deleting a worker or run concurrently
-- with a transaction that adds a reference to it and commits first is not
-- caught by the delete's check (its snapshot predates the reference). The
-- write-back updates the worker (load) and the run (finish) it references,
-- so such a delete fails with a serialization error there; only a reference
-- written by hand (a history row without a load change) could slip by.

-- +goose Up
ALTER FUNCTION paidan.task_guard() RESET search_path;
ALTER FUNCTION paidan.worker_guard() RESET search_path;
ALTER FUNCTION paidan.run_guard() RESET search_path;

ALTER TABLE paidan.assignment
    DROP CONSTRAINT assignment_run_id_fkey,
    DROP CONSTRAINT assignment_task_id_fkey,
    DROP CONSTRAINT assignment_worker_id_fkey,
    DROP CONSTRAINT assignment_pkey,
    ADD PRIMARY KEY (task_id, run_id);
ALTER TABLE paidan.task
    DROP CONSTRAINT task_assigned_worker_fkey,
    DROP CONSTRAINT task_assigned_run_fkey;

-- lock_workers takes FOR NO KEY UPDATE: it still excludes every other
-- write-back and every business UPDATE of those workers, but no longer the
-- FOR KEY SHARE locks that the reference checks below take.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.lock_workers(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT FROM paidan.worker WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
$$;
-- +goose StatementEnd

-- After each statement that changes tasks: check the worker and run
-- references the statement set (locking them FOR KEY SHARE, one query per
-- table, as a foreign key would per row), then, as before, move worker.load
-- and retire the assignments of tasks that left 'assigned'.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    -- Lock every worker and run the tasks reference, once each (a foreign
    -- key locks per row, and only new references; FOR KEY SHARE conflicts
    -- only with deleting the row or changing its id).
    PERFORM FROM paidan.worker w WHERE w.id IN (SELECT assigned_worker FROM new_task) FOR KEY SHARE;
    PERFORM FROM paidan.run r WHERE r.id IN (SELECT assigned_run FROM new_task) FOR KEY SHARE;
    SELECT n.id, CASE WHEN n.assigned_worker IS NOT NULL AND w.id IS NULL THEN 'worker ' || n.assigned_worker
                      ELSE 'run ' || n.assigned_run END AS what
    INTO bad
    FROM new_task n
    LEFT JOIN paidan.worker w ON w.id = n.assigned_worker
    LEFT JOIN paidan.run r ON r.id = n.assigned_run
    WHERE (n.assigned_worker IS NOT NULL AND w.id IS NULL) OR (n.assigned_run IS NOT NULL AND r.id IS NULL);
    IF FOUND THEN
        RAISE EXCEPTION 'paidan.task %: % does not exist', bad.id, bad.what
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    UPDATE paidan.worker w SET load = w.load + d.delta
    FROM (
        SELECT worker, sum(delta) AS delta FROM (
            SELECT assigned_worker AS worker, -1 AS delta FROM old_task WHERE status = 'assigned'
            UNION ALL
            SELECT assigned_worker, 1 FROM new_task WHERE status = 'assigned'
        ) moves GROUP BY worker HAVING sum(delta) <> 0
    ) d
    WHERE w.id = d.worker;

    UPDATE paidan.assignment a SET active = false
    FROM new_task n
    WHERE a.task_id = n.id AND a.active AND n.status <> 'assigned';
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- After each INSERT into assignment: lock what the new rows reference and
-- check it, set-based. Runs as the schema owner so that the runtime role
-- needs no UPDATE (FOR KEY SHARE) privilege on task, worker or run.
-- +goose StatementBegin
CREATE FUNCTION paidan.assignment_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    -- Lock what the rows reference, as a foreign key would, one query per
    -- table; then check it. A task row version this transaction wrote (the
    -- write-back's own UPDATE) is locked already: no other transaction can
    -- delete it before this one ends, so it is not locked again (that would
    -- write every row a second time). No LIMIT below: it would make the
    -- planner pick nested loops over the transition table.
    -- (A join, not IN: the planner then estimates the row count right and
    -- picks a hash join for a large insert.) The worker and run of an active
    -- row are its task's, which the task's checks locked; only inactive
    -- rows (history) lock them here.
    PERFORM FROM paidan.task t JOIN new_assignment n ON n.task_id = t.id
    WHERE t.xmin <> pg_current_xact_id()::xid
    FOR KEY SHARE OF t;
    PERFORM FROM paidan.worker w WHERE w.id IN (SELECT worker_id FROM new_assignment WHERE NOT active) FOR KEY SHARE;
    PERFORM FROM paidan.run r WHERE r.id IN (SELECT run_id FROM new_assignment WHERE NOT active) FOR KEY SHARE;
    SELECT n.run_id, n.task_id, n.worker_id,
           CASE WHEN t.id IS NULL THEN 'its task does not exist'
                WHEN w.id IS NULL THEN 'its worker does not exist'
                WHEN r.id IS NULL THEN 'its run does not exist'
                ELSE 'it is active but its task is not assigned to that worker by that run'
           END AS why
    INTO bad
    FROM new_assignment n
    LEFT JOIN paidan.task t ON t.id = n.task_id
    LEFT JOIN paidan.worker w ON w.id = n.worker_id
    LEFT JOIN paidan.run r ON r.id = n.run_id
    WHERE t.id IS NULL OR w.id IS NULL OR r.id IS NULL
       OR (n.active AND (t.status <> 'assigned' OR t.assigned_worker IS DISTINCT FROM n.worker_id
                         OR t.assigned_run IS DISTINCT FROM n.run_id));
    IF FOUND THEN
        RAISE EXCEPTION 'paidan.assignment (%, %, %): %', bad.run_id, bad.task_id, bad.worker_id, bad.why
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- An assignment's run, task and worker never change.
-- +goose StatementBegin
CREATE FUNCTION paidan.assignment_keys_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'paidan.assignment (%, %): run_id, task_id and worker_id do not change', OLD.run_id, OLD.task_id
        USING ERRCODE = 'foreign_key_violation';
END
$$;
-- +goose StatementEnd

-- Workers and runs that tasks or assignments reference are neither deleted
-- nor renamed (what the foreign keys' NO ACTION did, one query per
-- statement). The transition table old_rows holds the deleted rows.
-- +goose StatementBegin
CREATE FUNCTION paidan.reject_referenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key text;
BEGIN
    IF TG_TABLE_NAME = 'worker' THEN
        SELECT o.id INTO key FROM old_rows o
        WHERE EXISTS (SELECT FROM paidan.task t WHERE t.assigned_worker = o.id)
           OR EXISTS (SELECT FROM paidan.assignment a WHERE a.worker_id = o.id);
    ELSE
        SELECT o.id INTO key FROM old_rows o
        WHERE EXISTS (SELECT FROM paidan.task t WHERE t.assigned_run = o.id)
           OR EXISTS (SELECT FROM paidan.assignment a WHERE a.run_id = o.id);
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'paidan.%: % is referenced by tasks or assignments', TG_TABLE_NAME, key
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The same for a row whose id changes.
-- +goose StatementBegin
CREATE FUNCTION paidan.reject_referenced_id() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (TG_TABLE_NAME = 'worker' AND (EXISTS (SELECT FROM paidan.task t WHERE t.assigned_worker = OLD.id)
                                      OR EXISTS (SELECT FROM paidan.assignment a WHERE a.worker_id = OLD.id)))
       OR (TG_TABLE_NAME = 'run' AND (EXISTS (SELECT FROM paidan.task t WHERE t.assigned_run = OLD.id)
                                      OR EXISTS (SELECT FROM paidan.assignment a WHERE a.run_id = OLD.id))) THEN
        RAISE EXCEPTION 'paidan.%: % is referenced by tasks or assignments; its id does not change', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Deleting tasks deletes their assignments, and releases the load of the
-- assigned ones (as before).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_after_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE paidan.worker w SET load = w.load - d.n
    FROM (SELECT assigned_worker AS worker, count(*) AS n FROM old_task
          WHERE status = 'assigned' GROUP BY assigned_worker) d
    WHERE w.id = d.worker;
    DELETE FROM paidan.assignment a USING old_task o WHERE a.task_id = o.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER assignment_check_references AFTER INSERT ON paidan.assignment
    REFERENCING NEW TABLE AS new_assignment
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.assignment_after_insert();
CREATE TRIGGER assignment_keys_fixed BEFORE UPDATE ON paidan.assignment
    FOR EACH ROW WHEN (OLD.run_id <> NEW.run_id OR OLD.task_id <> NEW.task_id OR OLD.worker_id <> NEW.worker_id)
    EXECUTE FUNCTION paidan.assignment_keys_fixed();
CREATE TRIGGER worker_delete_referenced AFTER DELETE ON paidan.worker
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.reject_referenced();
CREATE TRIGGER run_delete_referenced AFTER DELETE ON paidan.run
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.reject_referenced();
CREATE TRIGGER worker_id_referenced BEFORE UPDATE ON paidan.worker
    FOR EACH ROW WHEN (OLD.id <> NEW.id)
    EXECUTE FUNCTION paidan.reject_referenced_id();
CREATE TRIGGER run_id_referenced BEFORE UPDATE ON paidan.run
    FOR EACH ROW WHEN (OLD.id <> NEW.id)
    EXECUTE FUNCTION paidan.reject_referenced_id();

-- +goose Down
DROP TRIGGER run_id_referenced ON paidan.run;
DROP TRIGGER worker_id_referenced ON paidan.worker;
DROP TRIGGER run_delete_referenced ON paidan.run;
DROP TRIGGER worker_delete_referenced ON paidan.worker;
DROP TRIGGER assignment_keys_fixed ON paidan.assignment;
DROP TRIGGER assignment_check_references ON paidan.assignment;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_after_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE paidan.worker w SET load = w.load - d.n
    FROM (SELECT assigned_worker AS worker, count(*) AS n FROM old_task
          WHERE status = 'assigned' GROUP BY assigned_worker) d
    WHERE w.id = d.worker;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP FUNCTION paidan.reject_referenced_id();
DROP FUNCTION paidan.reject_referenced();
DROP FUNCTION paidan.assignment_keys_fixed();
DROP FUNCTION paidan.assignment_after_insert();
ALTER TABLE paidan.assignment
    DROP CONSTRAINT assignment_pkey,
    ADD PRIMARY KEY (run_id, task_id),
    ADD FOREIGN KEY (run_id) REFERENCES paidan.run (id),
    ADD FOREIGN KEY (task_id) REFERENCES paidan.task (id) ON DELETE CASCADE,
    ADD FOREIGN KEY (worker_id) REFERENCES paidan.worker (id);
ALTER TABLE paidan.task
    ADD CONSTRAINT task_assigned_worker_fkey FOREIGN KEY (assigned_worker) REFERENCES paidan.worker (id),
    ADD CONSTRAINT task_assigned_run_fkey FOREIGN KEY (assigned_run) REFERENCES paidan.run (id);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.lock_workers(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT FROM paidan.worker WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE paidan.worker w SET load = w.load + d.delta
    FROM (
        SELECT worker, sum(delta) AS delta FROM (
            SELECT assigned_worker AS worker, -1 AS delta FROM old_task WHERE status = 'assigned'
            UNION ALL
            SELECT assigned_worker, 1 FROM new_task WHERE status = 'assigned'
        ) moves GROUP BY worker HAVING sum(delta) <> 0
    ) d
    WHERE w.id = d.worker;

    UPDATE paidan.assignment a SET active = false
    FROM new_task n
    WHERE a.task_id = n.id AND a.active AND n.status <> 'assigned';
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER FUNCTION paidan.run_guard() SET search_path = pg_catalog;
ALTER FUNCTION paidan.worker_guard() SET search_path = pg_catalog;
ALTER FUNCTION paidan.task_guard() SET search_path = pg_catalog;
