-- History kept: what was decided about a task outlives the task, and every
-- edit of the columns that business systems own is recorded.
--
--   * paidan.assignment_archive receives every assignment row that leaves
--     paidan.assignment (the ON DELETE CASCADE from a deleted task, or any
--     direct DELETE), filled by a statement trigger on assignment. A run's
--     decisions are its rows in assignment and assignment_archive together
--     (paidan.unassigned keeps its rows: it has no foreign key to task).
--   * paidan.edit_history gets one row per changed column for every UPDATE
--     of a task's or worker's business columns (who, when, old, new, as
--     jsonb), and one row holding the whole old row for every DELETE.
--     Status changes are recorded too, except pending -> assigned, which is
--     the write-back's and is recorded in paidan.assignment.
--
-- Both tables are append-only by privilege: only the schema owner holds any
-- privilege on them, and a trigger refuses UPDATE, DELETE and TRUNCATE even
-- to the owner unless the owner disables it (which paidan ledger verify
-- detects for the rows it covers). Every trigger function here is SECURITY
-- DEFINER, so no writer needs a privilege on the history tables.

-- +goose Up
CREATE TABLE paidan.assignment_archive (
    run_id          text        NOT NULL,
    task_id         text        NOT NULL,
    worker_id       text        NOT NULL,
    distance_km     double precision NOT NULL,
    cost_travel     double precision NOT NULL,
    cost_balance    double precision NOT NULL,
    cost_stability  double precision NOT NULL,
    cost_total      double precision NOT NULL,
    pinned          boolean     NOT NULL,
    active          boolean     NOT NULL,
    created_at      timestamptz NOT NULL,
    archived_at     timestamptz NOT NULL DEFAULT now(),
    archived_by     text        NOT NULL DEFAULT session_user
);
CREATE INDEX assignment_archive_by_run ON paidan.assignment_archive (run_id);
CREATE INDEX assignment_archive_by_task ON paidan.assignment_archive (task_id);

CREATE TABLE paidan.edit_history (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text        NOT NULL CHECK (table_name IN ('task', 'worker')),
    row_id      text        NOT NULL,
    operation   text        NOT NULL CHECK (operation IN ('update', 'delete')),
    column_name text        CHECK ((operation = 'update') = (column_name IS NOT NULL)),
    old_value   jsonb,
    new_value   jsonb,
    changed_by  text        NOT NULL DEFAULT session_user,
    actor       text        DEFAULT nullif(current_setting('paidan.actor', true), ''),
    txid        bigint      NOT NULL DEFAULT txid_current(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edit_history_by_row ON paidan.edit_history (table_name, row_id, id);

-- +goose StatementBegin
CREATE FUNCTION paidan.archive_assignments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO paidan.assignment_archive (run_id, task_id, worker_id, distance_km, cost_travel,
        cost_balance, cost_stability, cost_total, pinned, active, created_at)
    SELECT run_id, task_id, worker_id, distance_km, cost_travel,
        cost_balance, cost_stability, cost_total, pinned, active, created_at
    FROM gone;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.task_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO paidan.edit_history (table_name, row_id, operation, column_name, old_value, new_value)
    SELECT 'task', OLD.id, 'update', c.col, c.old, c.new
    FROM (VALUES
        ('id', to_jsonb(OLD.id), to_jsonb(NEW.id)),
        ('partition', to_jsonb(OLD.partition), to_jsonb(NEW.partition)),
        ('region', to_jsonb(OLD.region), to_jsonb(NEW.region)),
        ('skills', to_jsonb(OLD.skills), to_jsonb(NEW.skills)),
        ('priority', to_jsonb(OLD.priority), to_jsonb(NEW.priority)),
        ('lat', to_jsonb(OLD.lat), to_jsonb(NEW.lat)),
        ('lon', to_jsonb(OLD.lon), to_jsonb(NEW.lon)),
        ('due_at', to_jsonb(OLD.due_at), to_jsonb(NEW.due_at)),
        ('pinned_worker', to_jsonb(OLD.pinned_worker), to_jsonb(NEW.pinned_worker)),
        ('status', to_jsonb(OLD.status), to_jsonb(NEW.status))
    ) AS c(col, old, new)
    WHERE c.old IS DISTINCT FROM c.new
      AND NOT (c.col = 'status' AND OLD.status = 'pending' AND NEW.status = 'assigned');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.worker_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO paidan.edit_history (table_name, row_id, operation, column_name, old_value, new_value)
    SELECT 'worker', OLD.id, 'update', c.col, c.old, c.new
    FROM (VALUES
        ('id', to_jsonb(OLD.id), to_jsonb(NEW.id)),
        ('partition', to_jsonb(OLD.partition), to_jsonb(NEW.partition)),
        ('regions', to_jsonb(OLD.regions), to_jsonb(NEW.regions)),
        ('skills', to_jsonb(OLD.skills), to_jsonb(NEW.skills)),
        ('capacity', to_jsonb(OLD.capacity), to_jsonb(NEW.capacity)),
        ('active', to_jsonb(OLD.active), to_jsonb(NEW.active)),
        ('lat', to_jsonb(OLD.lat), to_jsonb(NEW.lat)),
        ('lon', to_jsonb(OLD.lon), to_jsonb(NEW.lon)),
        ('shift_start', to_jsonb(OLD.shift_start), to_jsonb(NEW.shift_start)),
        ('shift_end', to_jsonb(OLD.shift_end), to_jsonb(NEW.shift_end)),
        ('max_distance_km', to_jsonb(OLD.max_distance_km), to_jsonb(NEW.max_distance_km))
    ) AS c(col, old, new)
    WHERE c.old IS DISTINCT FROM c.new;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.deletion_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO paidan.edit_history (table_name, row_id, operation, old_value)
    SELECT TG_TABLE_NAME, g.row->>'id', 'delete', g.row
    FROM (SELECT to_jsonb(gone) AS row FROM gone) g;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- refuse_change guards the append-only tables: no UPDATE, DELETE or
-- TRUNCATE, whoever asks.
-- +goose StatementBegin
CREATE FUNCTION paidan.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'paidan.%: the table is append-only; % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER assignment_archive_on_delete AFTER DELETE ON paidan.assignment
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.archive_assignments();
-- The WHEN clauses keep the write-back (pending -> assigned, no business
-- column touched) from calling the history functions at all.
CREATE TRIGGER task_edit_history AFTER UPDATE ON paidan.task
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.partition IS DISTINCT FROM NEW.partition
        OR OLD.region IS DISTINCT FROM NEW.region OR OLD.skills IS DISTINCT FROM NEW.skills
        OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.lat IS DISTINCT FROM NEW.lat
        OR OLD.lon IS DISTINCT FROM NEW.lon OR OLD.due_at IS DISTINCT FROM NEW.due_at
        OR OLD.pinned_worker IS DISTINCT FROM NEW.pinned_worker
        OR (OLD.status IS DISTINCT FROM NEW.status AND NOT (OLD.status = 'pending' AND NEW.status = 'assigned')))
    EXECUTE FUNCTION paidan.task_history();
CREATE TRIGGER task_delete_history AFTER DELETE ON paidan.task
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.deletion_history();
CREATE TRIGGER worker_edit_history AFTER UPDATE ON paidan.worker
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.partition IS DISTINCT FROM NEW.partition
        OR OLD.regions IS DISTINCT FROM NEW.regions OR OLD.skills IS DISTINCT FROM NEW.skills
        OR OLD.capacity IS DISTINCT FROM NEW.capacity OR OLD.active IS DISTINCT FROM NEW.active
        OR OLD.lat IS DISTINCT FROM NEW.lat OR OLD.lon IS DISTINCT FROM NEW.lon
        OR OLD.shift_start IS DISTINCT FROM NEW.shift_start OR OLD.shift_end IS DISTINCT FROM NEW.shift_end
        OR OLD.max_distance_km IS DISTINCT FROM NEW.max_distance_km)
    EXECUTE FUNCTION paidan.worker_history();
CREATE TRIGGER worker_delete_history AFTER DELETE ON paidan.worker
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.deletion_history();

CREATE TRIGGER assignment_archive_append_only BEFORE UPDATE OR DELETE ON paidan.assignment_archive
    FOR EACH ROW EXECUTE FUNCTION paidan.refuse_change();
CREATE TRIGGER assignment_archive_no_truncate BEFORE TRUNCATE ON paidan.assignment_archive
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.refuse_change();
CREATE TRIGGER edit_history_append_only BEFORE UPDATE OR DELETE ON paidan.edit_history
    FOR EACH ROW EXECUTE FUNCTION paidan.refuse_change();
CREATE TRIGGER edit_history_no_truncate BEFORE TRUNCATE ON paidan.edit_history
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.refuse_change();

REVOKE ALL ON paidan.assignment_archive, paidan.edit_history FROM PUBLIC;
REVOKE ALL ON FUNCTION paidan.archive_assignments(), paidan.task_history(), paidan.worker_history(),
    paidan.deletion_history(), paidan.refuse_change() FROM PUBLIC;
-- The reading roles, where this cluster has them, may read the history;
-- the runtime role needs none of it.
-- +goose StatementBegin
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['paidan_reader', 'paidan_console', 'paidan_business'] LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT SELECT ON paidan.assignment_archive, paidan.edit_history TO %I', r);
        END IF;
    END LOOP;
END
$$;
-- +goose StatementEnd

COMMENT ON TABLE paidan.assignment_archive IS 'assignment rows removed from paidan.assignment (by a task delete); append-only';
COMMENT ON TABLE paidan.edit_history IS 'who changed which business column of a task or worker, when, from what to what; deletes keep the whole row; append-only';

-- +goose Down
DROP TRIGGER worker_delete_history ON paidan.worker;
DROP TRIGGER worker_edit_history ON paidan.worker;
DROP TRIGGER task_delete_history ON paidan.task;
DROP TRIGGER task_edit_history ON paidan.task;
DROP TRIGGER assignment_archive_on_delete ON paidan.assignment;
DROP TABLE paidan.edit_history;
DROP TABLE paidan.assignment_archive;
DROP FUNCTION paidan.refuse_change();
DROP FUNCTION paidan.deletion_history();
DROP FUNCTION paidan.worker_history();
DROP FUNCTION paidan.task_history();
DROP FUNCTION paidan.archive_assignments();
