-- The dispatch tables: tasks and workers that business systems write, and the
-- runs and assignments that paidan writes. The README's "PostgreSQL
-- integration" section documents every column, who owns it and the task
-- status machine; the database enforces as much of it as it can.

-- +goose Up

-- run: one planning run, its outcome and its figures. A run id is applied at
-- most once: status leaves 'running' once and never changes again.
CREATE TABLE paidan.run (
    id              text        PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    partition       text        NOT NULL CHECK (length(partition) <= 200),
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text        NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'applied', 'failed', 'skipped')),
    rules_hash      text,
    input_hash      text,
    objective       double precision NOT NULL DEFAULT 0 CHECK (objective > '-Infinity' AND objective < 'Infinity'),
    objective_units bigint      NOT NULL DEFAULT 0,
    dual_bound      bigint      NOT NULL DEFAULT 0,
    certificate     text        NOT NULL DEFAULT 'unchecked'
                    CHECK (certificate IN ('unchecked', 'verified', 'failed')),
    kpis            jsonb,
    assigned        integer     NOT NULL DEFAULT 0 CHECK (assigned >= 0),
    conflicts       integer     NOT NULL DEFAULT 0 CHECK (conflicts >= 0),
    error           text,
    CONSTRAINT run_finished_iff_final CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT run_finishes_after_start CHECK (finished_at >= started_at),
    -- A plan whose optimality certificate did not verify is never written back.
    CONSTRAINT run_applied_is_verified CHECK (status <> 'applied' OR certificate = 'verified')
);
CREATE INDEX run_partition_started ON paidan.run (partition, started_at DESC);

-- worker: written by business systems, except load, which the database
-- maintains from paidan.task (see task_maintain_load below).
CREATE TABLE paidan.worker (
    id              text        PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    partition       text        NOT NULL CHECK (partition <> '' AND length(partition) <= 200),
    regions         text[]      NOT NULL DEFAULT '{}'
                    CHECK (array_position(regions, NULL) IS NULL AND cardinality(regions) = cardinality(array_remove(regions, ''))),
    skills          text[]      NOT NULL DEFAULT '{}'
                    CHECK (array_position(skills, NULL) IS NULL AND cardinality(skills) = cardinality(array_remove(skills, ''))),
    capacity        integer     NOT NULL CHECK (capacity >= 0),
    load            integer     NOT NULL DEFAULT 0 CHECK (load >= 0),
    active          boolean     NOT NULL DEFAULT true,
    lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    shift_start     timestamptz,
    shift_end       timestamptz,
    max_distance_km double precision NOT NULL DEFAULT 0 CHECK (max_distance_km >= 0 AND max_distance_km < 'Infinity'),
    version         bigint      NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT worker_shift_order CHECK (shift_end > shift_start),
    -- No worker ever holds more tasks than its capacity.
    CONSTRAINT worker_load_within_capacity CHECK (load <= capacity)
);
CREATE INDEX worker_active_by_partition ON paidan.worker (partition, id) WHERE active;

-- task: inserted by business systems as 'pending'; paidan moves it to
-- 'assigned'; business systems move it on to 'done' or 'cancelled' (or back
-- to 'pending').
CREATE TABLE paidan.task (
    id              text        PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    partition       text        NOT NULL CHECK (partition <> '' AND length(partition) <= 200),
    region          text        NOT NULL DEFAULT '',
    skills          text[]      NOT NULL DEFAULT '{}'
                    CHECK (array_position(skills, NULL) IS NULL AND cardinality(skills) = cardinality(array_remove(skills, ''))),
    priority        integer     NOT NULL DEFAULT 0 CHECK (priority >= 0),
    lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    created_at      timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz,
    pinned_worker   text,
    previous_worker text,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'assigned', 'cancelled', 'done')),
    assigned_worker text        REFERENCES paidan.worker (id),
    assigned_run    text        REFERENCES paidan.run (id),
    version         bigint      NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT task_pending_unassigned CHECK (status <> 'pending' OR (assigned_worker IS NULL AND assigned_run IS NULL)),
    CONSTRAINT task_assigned_has_worker CHECK (status NOT IN ('assigned', 'done') OR (assigned_worker IS NOT NULL AND assigned_run IS NOT NULL))
);
-- The load query's index: a partition's pending tasks, in id order. Every
-- index on task costs each write-back row an index insert (a status change
-- is never a HOT update), so there are only two besides the primary key.
CREATE INDEX task_pending_by_partition ON paidan.task (partition, id) WHERE status = 'pending';
CREATE INDEX task_assigned_by_worker ON paidan.task (assigned_worker) WHERE status = 'assigned';

-- assignment: what each applied run decided, with its cost breakdown. The
-- assignment that holds a task right now is the active one: at most one per
-- task, and it goes inactive when the task leaves 'assigned'.
CREATE TABLE paidan.assignment (
    run_id          text        NOT NULL REFERENCES paidan.run (id),
    task_id         text        NOT NULL REFERENCES paidan.task (id) ON DELETE CASCADE,
    worker_id       text        NOT NULL REFERENCES paidan.worker (id),
    distance_km     double precision NOT NULL CHECK (distance_km >= 0 AND distance_km < 'Infinity'),
    cost_travel     double precision NOT NULL CHECK (cost_travel > '-Infinity' AND cost_travel < 'Infinity'),
    cost_balance    double precision NOT NULL CHECK (cost_balance > '-Infinity' AND cost_balance < 'Infinity'),
    cost_stability  double precision NOT NULL CHECK (cost_stability > '-Infinity' AND cost_stability < 'Infinity'),
    cost_total      double precision GENERATED ALWAYS AS (cost_travel + cost_balance + cost_stability) STORED,
    pinned          boolean     NOT NULL DEFAULT false,
    active          boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, task_id)
);
CREATE UNIQUE INDEX assignment_one_active_per_task ON paidan.assignment (task_id) WHERE active;
CREATE INDEX assignment_active_by_worker ON paidan.assignment (worker_id) WHERE active;

-- The task status machine:
--   pending  -> assigned   (by contract paidan's write-back alone: it sets assigned_worker and assigned_run)
--   pending  -> cancelled
--   assigned -> done | cancelled
--   assigned -> pending    (unassign: previous_worker := the assigned worker; assigned_* cleared)
--   done, cancelled: final.
-- A new task is always 'pending'. While a task stays 'assigned' its worker
-- and run do not change. Every UPDATE bumps the version (as worker_guard does
-- for workers): the write-back assigns a task only at the version it loaded.
-- +goose StatementBegin
CREATE FUNCTION paidan.task_guard() RETURNS trigger
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

-- worker.load counts the worker's tasks in status 'assigned'. Only the task
-- triggers below write it (they run one trigger level down); a new worker
-- starts at 0.
-- +goose StatementBegin
CREATE FUNCTION paidan.worker_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.load <> 0 THEN
            RAISE EXCEPTION 'paidan.worker %: load is maintained by paidan from paidan.task; insert workers without it', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.load <> OLD.load AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'paidan.worker %: load is maintained by paidan from paidan.task; do not write it', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- After each statement that changes tasks: move worker.load by the change in
-- each worker's assigned tasks (set-based, over the transition tables), and
-- retire the active assignment of every task that left 'assigned'. Runs as
-- the schema owner so that the runtime role needs no UPDATE on worker or
-- assignment.
-- +goose StatementBegin
CREATE FUNCTION paidan.task_after_update() RETURNS trigger
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

    -- Only an assigned task has an active assignment, so a task that is not
    -- assigned now and still has one has just left 'assigned'. (Joining the
    -- two transition tables instead would leave the planner without
    -- statistics on either.)
    UPDATE paidan.assignment a SET active = false
    FROM new_task n
    WHERE a.task_id = n.id AND a.active AND n.status <> 'assigned';
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION paidan.task_after_delete() RETURNS trigger
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

-- A run leaves 'running' once, to a final status, and is never changed again.
-- +goose StatementBegin
CREATE FUNCTION paidan.run_guard() RETURNS trigger
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

-- lock_workers row-locks the given workers in id order (so that concurrent
-- write-backs never deadlock on each other). It runs as the schema owner so
-- that the runtime role can lock workers without holding UPDATE on them.
-- +goose StatementBegin
CREATE FUNCTION paidan.lock_workers(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT FROM paidan.worker WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION paidan.lock_workers(text[]) FROM PUBLIC;

CREATE TRIGGER task_guard BEFORE INSERT OR UPDATE ON paidan.task
    FOR EACH ROW EXECUTE FUNCTION paidan.task_guard();
CREATE TRIGGER task_maintain_load AFTER UPDATE ON paidan.task
    REFERENCING OLD TABLE AS old_task NEW TABLE AS new_task
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.task_after_update();
CREATE TRIGGER task_release_load AFTER DELETE ON paidan.task
    REFERENCING OLD TABLE AS old_task
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.task_after_delete();
CREATE TRIGGER worker_guard BEFORE INSERT OR UPDATE ON paidan.worker
    FOR EACH ROW EXECUTE FUNCTION paidan.worker_guard();
CREATE TRIGGER run_guard BEFORE UPDATE ON paidan.run
    FOR EACH ROW EXECUTE FUNCTION paidan.run_guard();

COMMENT ON TABLE paidan.task IS 'tasks to dispatch; business systems insert them pending, paidan assigns them';
COMMENT ON TABLE paidan.worker IS 'workers and their capacity; business systems upsert them, the database maintains load';
COMMENT ON TABLE paidan.run IS 'one row per planning run; a run id is applied at most once';
COMMENT ON TABLE paidan.assignment IS 'assignments written by applied runs; the active one holds the task now';
COMMENT ON COLUMN paidan.worker.load IS 'tasks in status assigned held by the worker; maintained by trigger, never written directly';
COMMENT ON COLUMN paidan.task.version IS 'bumped by trigger on every UPDATE; the write-back assigns only at the loaded version';

-- +goose Down
DROP TABLE paidan.assignment;
DROP TABLE paidan.task;
DROP TABLE paidan.worker;
DROP TABLE paidan.run;
DROP FUNCTION paidan.lock_workers(text[]);
DROP FUNCTION paidan.run_guard();
DROP FUNCTION paidan.task_after_delete();
DROP FUNCTION paidan.task_after_update();
DROP FUNCTION paidan.worker_guard();
DROP FUNCTION paidan.task_guard();
