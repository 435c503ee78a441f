-- The write-back's fast path reads the plan's fixed-width arrays by
-- position instead of unnesting them.
--
-- paidan.apply_run (the 23-argument form; the 22-argument one calls it)
-- joined unnest(p_task, p_worker, p_version, p_distance, p_travel,
-- p_balance, p_stability, p_pinned) to the tasks. A multi-argument unnest
-- in FROM is one function scan per array, and PostgreSQL copies each
-- function's whole result into a tuplestore before the join reads it:
-- eight tuplestores of one column each, 800,000 rows written and read for
-- 100,000 assignments. Now only the two text arrays are unnested (WITH
-- ORDINALITY), and version, the costs, the distance and pinned are read
-- as p_x[i]: for an array of fixed-width elements without NULLs that is
-- one offset. (A text array cannot be read that way: its i-th element is
-- found by walking the i-1 before it.) So that no array of the plan makes
-- that a walk, apply_run refuses a NULL element in any of them (PD003), as
-- it refuses arrays of different lengths; Apply never sends one. Before,
-- a NULL version was refused as a conflict (task_changed) and a NULL cost
-- failed the assignments' NOT NULL, so the write-back of such a plan
-- failed or left that task pending either way.
--
-- Counted with callgrind (README, "Write-back benchmark"): 2.5% fewer
-- server instructions for a 10,000-assignment write-back. Arguments,
-- result, errors (but the NULL one), locks and every guarantee are those
-- of 00057.
--
-- Expand only: CREATE OR REPLACE FUNCTION keeps the owner, the grants and
-- the 22-argument form that the previous release calls.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
    p_task text[], p_worker text[], p_version bigint[], p_priority integer[],
    p_distance double precision[], p_travel double precision[], p_balance double precision[],
    p_stability double precision[], p_pinned boolean[],
    p_left_task text[], p_left_reason text[], p_left_detail text[],
    p_rules_hash text, p_input_hash text, p_objective double precision, p_objective_units bigint,
    p_dual_bound bigint, p_certificate text, p_kpis jsonb, p_as_of timestamptz)
RETURNS TABLE (refused_task text, refused_worker text, refused_kind text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
SET plan_cache_mode = force_custom_plan
SET enable_nestloop = off AS $$
DECLARE
    v_planned  integer := coalesce(cardinality(p_task), 0);
    v_left     integer := coalesce(cardinality(p_left_task), 0);
    v_assigned integer;
    v_refused  integer := 0;
    v_short    bigint;
    v_workers  text[];
    v_counts   bigint[];
BEGIN
    IF coalesce(cardinality(p_worker), 0) <> v_planned OR coalesce(cardinality(p_version), 0) <> v_planned
            OR coalesce(cardinality(p_priority), 0) <> v_planned OR coalesce(cardinality(p_distance), 0) <> v_planned
            OR coalesce(cardinality(p_travel), 0) <> v_planned OR coalesce(cardinality(p_balance), 0) <> v_planned
            OR coalesce(cardinality(p_stability), 0) <> v_planned OR coalesce(cardinality(p_pinned), 0) <> v_planned
            OR coalesce(cardinality(p_left_reason), 0) <> v_left OR coalesce(cardinality(p_left_detail), 0) <> v_left THEN
        RAISE EXCEPTION 'paidan.run %: the arrays of one list differ in length', p_run USING ERRCODE = 'PD003';
    END IF;
    -- The fast path reads the fixed-width arrays by position: an element
    -- after a NULL is found by walking the array from its start.
    IF array_position(p_version, NULL) IS NOT NULL OR array_position(p_distance, NULL) IS NOT NULL
            OR array_position(p_travel, NULL) IS NOT NULL OR array_position(p_balance, NULL) IS NOT NULL
            OR array_position(p_stability, NULL) IS NOT NULL OR array_position(p_pinned, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'paidan.run %: a planned assignment has a NULL version, cost, distance or pinned flag', p_run
            USING ERRCODE = 'PD003';
    END IF;
    PERFORM paidan.take_partition_lock(p_partition);
    PERFORM paidan.claim_run(p_run, p_partition, p_started_at);
    -- The planning instant, while the run is still running (run_guard lets
    -- exactly this change of as_of through, alone, once).
    IF p_as_of IS NOT NULL THEN
        UPDATE paidan.run r SET as_of = p_as_of WHERE r.id = p_run AND r.as_of IS NULL;
    END IF;

    -- From here to the end, the reference checks skip this function's
    -- statements (paidan.write_back_active): what they reference is
    -- locked by this transaction. A caller's table of the same name makes
    -- the CREATE fail, never counts.
    DROP TABLE IF EXISTS pg_temp.paidan_write_back;
    CREATE TEMPORARY TABLE paidan_write_back () ON COMMIT DROP;

    -- The plan's workers and how many tasks it gives each.
    SELECT array_agg(d.worker_id), array_agg(d.n) INTO v_workers, v_counts
    FROM (SELECT u.worker_id, count(*) AS n FROM unnest(p_worker) AS u(worker_id) GROUP BY u.worker_id) d;

    -- Row-lock every worker of the plan in id order (concurrent write-backs
    -- never deadlock on each other): no other transaction changes their
    -- load, capacity or active flag until this one ends.
    PERFORM FROM paidan.worker w
    WHERE w.id = ANY (v_workers)
    ORDER BY w.id
    FOR NO KEY UPDATE;

    -- The workers that may be short: unavailable, or planned more tasks
    -- than their room (capacity - load), read under the locks. The plan's
    -- tasks of a worker bound its candidates from above, so with none
    -- short every candidate fits and nothing needs ranking.
    SELECT count(*) INTO v_short
    FROM unnest(v_workers, v_counts) AS d(worker_id, n)
    LEFT JOIN paidan.worker w ON w.id = d.worker_id
    WHERE w.id IS NULL OR NOT w.active OR w.partition <> p_partition OR d.n > greatest(w.capacity - w.load, 0);

    IF v_planned * 20 < (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = 'paidan.task'::regclass) THEN
        PERFORM set_config('enable_nestloop', 'on', true);
    END IF;

    IF v_short = 0 THEN
        -- Assign each task still pending in the partition at the planned
        -- version (rechecked on the row the UPDATE locks); its RETURNING
        -- rows carry the plan's columns into the assignments. Only the
        -- two text arrays are unnested (each array unnest() reads is
        -- copied into a tuplestore first); the fixed-width ones are read
        -- by position, which costs one offset per element in an array
        -- without NULLs (refused above).
        WITH assigned AS (
            UPDATE paidan.task t
            SET status = 'assigned', assigned_worker = u.worker_id, assigned_run = p_run,
                version = t.version + 1, updated_at = now()
            FROM unnest(p_task, p_worker) WITH ORDINALITY AS u(task_id, worker_id, i)
            WHERE t.id = u.task_id AND t.status = 'pending' AND t.version = p_version[u.i]
              AND t.partition = p_partition
            RETURNING t.id, u.worker_id, p_distance[u.i] AS distance_km, p_travel[u.i] AS cost_travel,
                p_balance[u.i] AS cost_balance, p_stability[u.i] AS cost_stability, p_pinned[u.i] AS pinned
        )
        INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
            cost_travel, cost_balance, cost_stability, pinned, active)
        SELECT p_run, a.id, a.worker_id, a.distance_km, a.cost_travel, a.cost_balance,
               a.cost_stability, a.pinned, true
        FROM assigned a;
        GET DIAGNOSTICS v_assigned = ROW_COUNT;
        -- A task planned twice is updated once, so it leaves v_assigned
        -- short of the plan: refuse such a plan, as the assignment's
        -- primary key refuses it on the ranked path. (Before this run no
        -- task named it: it was never applied.)
        IF v_assigned < v_planned AND v_assigned < (
                SELECT count(*) FROM unnest(p_task) AS u(task_id)
                JOIN paidan.task t ON t.id = u.task_id WHERE t.assigned_run = p_run) THEN
            RAISE EXCEPTION 'paidan.run %: a task is planned twice', p_run USING ERRCODE = 'PD003';
        END IF;
    ELSE
        -- The ranked path of 00006: the plan's rows and its candidates (the
        -- planned tasks still pending in the partition at the planned
        -- version) staged with statistics of their own, then the UPDATE
        -- within each worker's room, higher priority, then lower cost,
        -- then lower id first where a worker is short.
        DROP TABLE IF EXISTS pg_temp.paidan_plan;
        CREATE TEMPORARY TABLE paidan_plan ON COMMIT DROP AS
        SELECT u.task_id, u.worker_id, u.version, u.priority, u.distance_km,
               u.cost_travel, u.cost_balance, u.cost_stability, u.pinned
        FROM unnest(p_task, p_worker, p_version, p_priority, p_distance, p_travel, p_balance,
                    p_stability, p_pinned)
             AS u(task_id, worker_id, version, priority, distance_km, cost_travel, cost_balance,
                  cost_stability, pinned);
        ANALYZE pg_temp.paidan_plan;

        DROP TABLE IF EXISTS pg_temp.paidan_candidate;
        CREATE TEMPORARY TABLE paidan_candidate ON COMMIT DROP AS
        SELECT p.task_id, p.worker_id, p.version, p.priority,
               p.cost_travel + p.cost_balance + p.cost_stability AS cost
        FROM pg_temp.paidan_plan p
        JOIN paidan.task t ON t.id = p.task_id
        WHERE t.partition = p_partition AND t.status = 'pending' AND t.version = p.version;
        ANALYZE pg_temp.paidan_candidate;

        WITH room AS (
            SELECT w.id,
                   CASE WHEN w.active AND w.partition = p_partition THEN greatest(w.capacity - w.load, 0) ELSE -1 END AS free
            FROM paidan.worker w
            WHERE w.id IN (SELECT p.worker_id FROM pg_temp.paidan_plan p)
        ), candidate AS (
            SELECT c.task_id, c.worker_id, c.version, c.priority, c.cost FROM pg_temp.paidan_candidate c
        ), short AS (
            SELECT r.id
            FROM room r
            JOIN (SELECT c.worker_id, count(*) AS n FROM candidate c GROUP BY c.worker_id) c ON c.worker_id = r.id
            WHERE c.n > r.free
        ), ranked AS (
            SELECT c.task_id,
                   row_number() OVER (PARTITION BY c.worker_id ORDER BY c.priority DESC, c.cost, c.task_id) AS n
            FROM candidate c
            WHERE c.worker_id IN (SELECT s.id FROM short s)
        ), assigned AS (
            UPDATE paidan.task t
            SET status = 'assigned', assigned_worker = c.worker_id, assigned_run = p_run,
                version = t.version + 1, updated_at = now()
            FROM candidate c
            JOIN room r ON r.id = c.worker_id
            LEFT JOIN ranked k ON k.task_id = c.task_id
            WHERE t.id = c.task_id AND (k.n IS NULL OR k.n <= r.free)
              AND t.status = 'pending' AND t.version = c.version AND t.partition = p_partition
            RETURNING t.id
        )
        INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
            cost_travel, cost_balance, cost_stability, pinned, active)
        SELECT p_run, p.task_id, p.worker_id, p.distance_km, p.cost_travel, p.cost_balance,
               p.cost_stability, p.pinned, true
        FROM assigned a
        JOIN pg_temp.paidan_plan p ON p.task_id = a.id;
        GET DIAGNOSTICS v_assigned = ROW_COUNT;
    END IF;

    -- worker.load, in one statement: task_after_update leaves the
    -- write-back's statements to it (00057). Every task this call assigned
    -- went from pending to assigned, so each worker's load grows by the
    -- tasks assigned to it: the plan's counts when every planned task was
    -- assigned, otherwise the run's assignments counted. (The workers are
    -- locked; worker_load_within_capacity still checks every row.)
    -- worker_guard lets this statement's change of load through: it is
    -- marked with this transaction's id for its duration.
    PERFORM set_config('paidan.write_back_load', pg_current_xact_id()::text, true);
    IF v_assigned = v_planned AND v_assigned > 0 THEN
        UPDATE paidan.worker w SET load = w.load + d.n
        FROM unnest(v_workers, v_counts) AS d(worker_id, n)
        WHERE w.id = d.worker_id;
    ELSIF v_assigned > 0 THEN
        UPDATE paidan.worker w SET load = w.load + d.n
        FROM (SELECT a.worker_id, count(*) AS n FROM paidan.assignment a
              WHERE a.run_id = p_run GROUP BY a.worker_id) d
        WHERE w.id = d.worker_id;
    END IF;
    PERFORM set_config('paidan.write_back_load', '', true);

    INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
    SELECT p_run, u.task_id, u.reason, left(coalesce(u.detail, ''), 2000)
    FROM unnest(p_left_task, p_left_reason, p_left_detail) AS u(task_id, reason, detail);

    -- The refused assignments, returned and recorded as unassigned.
    IF v_assigned < v_planned THEN
        RETURN QUERY
        WITH refused AS (
            SELECT p.task_id, p.worker_id,
                   CASE
                       WHEN t.id IS NULL OR t.partition <> p_partition THEN 'task_gone'
                       WHEN t.status = 'cancelled' THEN 'task_cancelled'
                       WHEN t.status <> 'pending' OR t.version <> p.version THEN 'task_changed'
                       WHEN w.id IS NULL OR NOT w.active OR w.partition <> p_partition THEN 'worker_unavailable'
                       ELSE 'worker_full'
                   END AS kind
            FROM unnest(p_task, p_worker, p_version) AS p(task_id, worker_id, version)
            LEFT JOIN paidan.task t ON t.id = p.task_id
            LEFT JOIN paidan.worker w ON w.id = p.worker_id
            WHERE t.assigned_run IS DISTINCT FROM p_run
        ), noted AS (
            INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
            SELECT p_run, r.task_id, r.kind, 'planned for worker ' || r.worker_id || ', refused by the write-back'
            FROM refused r
        )
        SELECT r.task_id, r.worker_id, r.kind FROM refused r ORDER BY r.task_id;
        GET DIAGNOSTICS v_refused = ROW_COUNT;
    END IF;

    UPDATE paidan.run r
    SET status = 'applied',
        finished_at = greatest(clock_timestamp(), r.started_at),
        rules_hash = nullif(p_rules_hash, ''),
        input_hash = nullif(p_input_hash, ''),
        objective = p_objective,
        objective_units = p_objective_units,
        dual_bound = p_dual_bound,
        certificate = p_certificate,
        kpis = p_kpis,
        assigned = v_assigned,
        conflicts = v_refused,
        error = NULL
    WHERE r.id = p_run;

    DROP TABLE pg_temp.paidan_write_back;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
    p_task text[], p_worker text[], p_version bigint[], p_priority integer[],
    p_distance double precision[], p_travel double precision[], p_balance double precision[],
    p_stability double precision[], p_pinned boolean[],
    p_left_task text[], p_left_reason text[], p_left_detail text[],
    p_rules_hash text, p_input_hash text, p_objective double precision, p_objective_units bigint,
    p_dual_bound bigint, p_certificate text, p_kpis jsonb, p_as_of timestamptz)
RETURNS TABLE (refused_task text, refused_worker text, refused_kind text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
SET plan_cache_mode = force_custom_plan
SET enable_nestloop = off AS $$
DECLARE
    v_planned  integer := coalesce(cardinality(p_task), 0);
    v_left     integer := coalesce(cardinality(p_left_task), 0);
    v_assigned integer;
    v_refused  integer := 0;
    v_short    bigint;
    v_workers  text[];
    v_counts   bigint[];
BEGIN
    IF coalesce(cardinality(p_worker), 0) <> v_planned OR coalesce(cardinality(p_version), 0) <> v_planned
            OR coalesce(cardinality(p_priority), 0) <> v_planned OR coalesce(cardinality(p_distance), 0) <> v_planned
            OR coalesce(cardinality(p_travel), 0) <> v_planned OR coalesce(cardinality(p_balance), 0) <> v_planned
            OR coalesce(cardinality(p_stability), 0) <> v_planned OR coalesce(cardinality(p_pinned), 0) <> v_planned
            OR coalesce(cardinality(p_left_reason), 0) <> v_left OR coalesce(cardinality(p_left_detail), 0) <> v_left THEN
        RAISE EXCEPTION 'paidan.run %: the arrays of one list differ in length', p_run USING ERRCODE = 'PD003';
    END IF;
    PERFORM paidan.take_partition_lock(p_partition);
    PERFORM paidan.claim_run(p_run, p_partition, p_started_at);
    -- The planning instant, while the run is still running (run_guard lets
    -- exactly this change of as_of through, alone, once).
    IF p_as_of IS NOT NULL THEN
        UPDATE paidan.run r SET as_of = p_as_of WHERE r.id = p_run AND r.as_of IS NULL;
    END IF;

    -- From here to the end, the reference checks skip this function's
    -- statements (paidan.write_back_active): what they reference is
    -- locked by this transaction. A caller's table of the same name makes
    -- the CREATE fail, never counts.
    DROP TABLE IF EXISTS pg_temp.paidan_write_back;
    CREATE TEMPORARY TABLE paidan_write_back () ON COMMIT DROP;

    -- The plan's workers and how many tasks it gives each.
    SELECT array_agg(d.worker_id), array_agg(d.n) INTO v_workers, v_counts
    FROM (SELECT u.worker_id, count(*) AS n FROM unnest(p_worker) AS u(worker_id) GROUP BY u.worker_id) d;

    -- Row-lock every worker of the plan in id order (concurrent write-backs
    -- never deadlock on each other): no other transaction changes their
    -- load, capacity or active flag until this one ends.
    PERFORM FROM paidan.worker w
    WHERE w.id = ANY (v_workers)
    ORDER BY w.id
    FOR NO KEY UPDATE;

    -- The workers that may be short: unavailable, or planned more tasks
    -- than their room (capacity - load), read under the locks. The plan's
    -- tasks of a worker bound its candidates from above, so with none
    -- short every candidate fits and nothing needs ranking.
    SELECT count(*) INTO v_short
    FROM unnest(v_workers, v_counts) AS d(worker_id, n)
    LEFT JOIN paidan.worker w ON w.id = d.worker_id
    WHERE w.id IS NULL OR NOT w.active OR w.partition <> p_partition OR d.n > greatest(w.capacity - w.load, 0);

    IF v_planned * 20 < (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = 'paidan.task'::regclass) THEN
        PERFORM set_config('enable_nestloop', 'on', true);
    END IF;

    IF v_short = 0 THEN
        -- Assign each task still pending in the partition at the planned
        -- version (rechecked on the row the UPDATE locks); its RETURNING
        -- rows carry the plan's columns into the assignments.
        WITH assigned AS (
            UPDATE paidan.task t
            SET status = 'assigned', assigned_worker = u.worker_id, assigned_run = p_run,
                version = t.version + 1, updated_at = now()
            FROM unnest(p_task, p_worker, p_version, p_distance, p_travel, p_balance, p_stability, p_pinned)
                 AS u(task_id, worker_id, version, distance_km, cost_travel, cost_balance, cost_stability, pinned)
            WHERE t.id = u.task_id AND t.status = 'pending' AND t.version = u.version
              AND t.partition = p_partition
            RETURNING t.id, u.worker_id, u.distance_km, u.cost_travel, u.cost_balance, u.cost_stability, u.pinned
        )
        INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
            cost_travel, cost_balance, cost_stability, pinned, active)
        SELECT p_run, a.id, a.worker_id, a.distance_km, a.cost_travel, a.cost_balance,
               a.cost_stability, a.pinned, true
        FROM assigned a;
        GET DIAGNOSTICS v_assigned = ROW_COUNT;
        -- A task planned twice is updated once, so it leaves v_assigned
        -- short of the plan: refuse such a plan, as the assignment's
        -- primary key refuses it on the ranked path. (Before this run no
        -- task named it: it was never applied.)
        IF v_assigned < v_planned AND v_assigned < (
                SELECT count(*) FROM unnest(p_task) AS u(task_id)
                JOIN paidan.task t ON t.id = u.task_id WHERE t.assigned_run = p_run) THEN
            RAISE EXCEPTION 'paidan.run %: a task is planned twice', p_run USING ERRCODE = 'PD003';
        END IF;
    ELSE
        -- The ranked path of 00006: the plan's rows and its candidates (the
        -- planned tasks still pending in the partition at the planned
        -- version) staged with statistics of their own, then the UPDATE
        -- within each worker's room, higher priority, then lower cost,
        -- then lower id first where a worker is short.
        DROP TABLE IF EXISTS pg_temp.paidan_plan;
        CREATE TEMPORARY TABLE paidan_plan ON COMMIT DROP AS
        SELECT u.task_id, u.worker_id, u.version, u.priority, u.distance_km,
               u.cost_travel, u.cost_balance, u.cost_stability, u.pinned
        FROM unnest(p_task, p_worker, p_version, p_priority, p_distance, p_travel, p_balance,
                    p_stability, p_pinned)
             AS u(task_id, worker_id, version, priority, distance_km, cost_travel, cost_balance,
                  cost_stability, pinned);
        ANALYZE pg_temp.paidan_plan;

        DROP TABLE IF EXISTS pg_temp.paidan_candidate;
        CREATE TEMPORARY TABLE paidan_candidate ON COMMIT DROP AS
        SELECT p.task_id, p.worker_id, p.version, p.priority,
               p.cost_travel + p.cost_balance + p.cost_stability AS cost
        FROM pg_temp.paidan_plan p
        JOIN paidan.task t ON t.id = p.task_id
        WHERE t.partition = p_partition AND t.status = 'pending' AND t.version = p.version;
        ANALYZE pg_temp.paidan_candidate;

        WITH room AS (
            SELECT w.id,
                   CASE WHEN w.active AND w.partition = p_partition THEN greatest(w.capacity - w.load, 0) ELSE -1 END AS free
            FROM paidan.worker w
            WHERE w.id IN (SELECT p.worker_id FROM pg_temp.paidan_plan p)
        ), candidate AS (
            SELECT c.task_id, c.worker_id, c.version, c.priority, c.cost FROM pg_temp.paidan_candidate c
        ), short AS (
            SELECT r.id
            FROM room r
            JOIN (SELECT c.worker_id, count(*) AS n FROM candidate c GROUP BY c.worker_id) c ON c.worker_id = r.id
            WHERE c.n > r.free
        ), ranked AS (
            SELECT c.task_id,
                   row_number() OVER (PARTITION BY c.worker_id ORDER BY c.priority DESC, c.cost, c.task_id) AS n
            FROM candidate c
            WHERE c.worker_id IN (SELECT s.id FROM short s)
        ), assigned AS (
            UPDATE paidan.task t
            SET status = 'assigned', assigned_worker = c.worker_id, assigned_run = p_run,
                version = t.version + 1, updated_at = now()
            FROM candidate c
            JOIN room r ON r.id = c.worker_id
            LEFT JOIN ranked k ON k.task_id = c.task_id
            WHERE t.id = c.task_id AND (k.n IS NULL OR k.n <= r.free)
              AND t.status = 'pending' AND t.version = c.version AND t.partition = p_partition
            RETURNING t.id
        )
        INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
            cost_travel, cost_balance, cost_stability, pinned, active)
        SELECT p_run, p.task_id, p.worker_id, p.distance_km, p.cost_travel, p.cost_balance,
               p.cost_stability, p.pinned, true
        FROM assigned a
        JOIN pg_temp.paidan_plan p ON p.task_id = a.id;
        GET DIAGNOSTICS v_assigned = ROW_COUNT;
    END IF;

    -- worker.load, in one statement: task_after_update leaves the
    -- write-back's statements to it (00057). Every task this call assigned
    -- went from pending to assigned, so each worker's load grows by the
    -- tasks assigned to it: the plan's counts when every planned task was
    -- assigned, otherwise the run's assignments counted. (The workers are
    -- locked; worker_load_within_capacity still checks every row.)
    -- worker_guard lets this statement's change of load through: it is
    -- marked with this transaction's id for its duration.
    PERFORM set_config('paidan.write_back_load', pg_current_xact_id()::text, true);
    IF v_assigned = v_planned AND v_assigned > 0 THEN
        UPDATE paidan.worker w SET load = w.load + d.n
        FROM unnest(v_workers, v_counts) AS d(worker_id, n)
        WHERE w.id = d.worker_id;
    ELSIF v_assigned > 0 THEN
        UPDATE paidan.worker w SET load = w.load + d.n
        FROM (SELECT a.worker_id, count(*) AS n FROM paidan.assignment a
              WHERE a.run_id = p_run GROUP BY a.worker_id) d
        WHERE w.id = d.worker_id;
    END IF;
    PERFORM set_config('paidan.write_back_load', '', true);

    INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
    SELECT p_run, u.task_id, u.reason, left(coalesce(u.detail, ''), 2000)
    FROM unnest(p_left_task, p_left_reason, p_left_detail) AS u(task_id, reason, detail);

    -- The refused assignments, returned and recorded as unassigned.
    IF v_assigned < v_planned THEN
        RETURN QUERY
        WITH refused AS (
            SELECT p.task_id, p.worker_id,
                   CASE
                       WHEN t.id IS NULL OR t.partition <> p_partition THEN 'task_gone'
                       WHEN t.status = 'cancelled' THEN 'task_cancelled'
                       WHEN t.status <> 'pending' OR t.version <> p.version THEN 'task_changed'
                       WHEN w.id IS NULL OR NOT w.active OR w.partition <> p_partition THEN 'worker_unavailable'
                       ELSE 'worker_full'
                   END AS kind
            FROM unnest(p_task, p_worker, p_version) AS p(task_id, worker_id, version)
            LEFT JOIN paidan.task t ON t.id = p.task_id
            LEFT JOIN paidan.worker w ON w.id = p.worker_id
            WHERE t.assigned_run IS DISTINCT FROM p_run
        ), noted AS (
            INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
            SELECT p_run, r.task_id, r.kind, 'planned for worker ' || r.worker_id || ', refused by the write-back'
            FROM refused r
        )
        SELECT r.task_id, r.worker_id, r.kind FROM refused r ORDER BY r.task_id;
        GET DIAGNOSTICS v_refused = ROW_COUNT;
    END IF;

    UPDATE paidan.run r
    SET status = 'applied',
        finished_at = greatest(clock_timestamp(), r.started_at),
        rules_hash = nullif(p_rules_hash, ''),
        input_hash = nullif(p_input_hash, ''),
        objective = p_objective,
        objective_units = p_objective_units,
        dual_bound = p_dual_bound,
        certificate = p_certificate,
        kpis = p_kpis,
        assigned = v_assigned,
        conflicts = v_refused,
        error = NULL
    WHERE r.id = p_run;

    DROP TABLE pg_temp.paidan_write_back;
END
$$;
-- +goose StatementEnd
