-- A faster write-back, with the same guarantees, and the run's as_of
-- recorded inside it.
--
--   * paidan.apply_run gains an overload with a 23rd argument, p_as_of: the
--     run's planning instant (00045), set on the run in the write-back's
--     own transaction (while the run is still running, so run_guard lets
--     it through as the one change of as_of). The 22-argument form, which
--     the previous release calls and then sets as_of itself, now calls the
--     new one with NULL: it changes nothing for those callers.
--   * The common case takes one statement: when every planned worker is an
--     active worker of the partition with room for all the tasks planned
--     for it (counted from the arrays, an upper bound of what can be
--     assigned), no ranking can refuse anything, so a set-based UPDATE
--     joined to unnest(...) on the task's primary key assigns every task
--     still pending at its loaded version, and its RETURNING rows (which
--     carry the plan's columns) are the INSERT of the assignments. Nothing
--     is staged, ANALYZEd or joined a second time. A plan with a worker
--     short of room or unavailable takes the statements of 00006
--     unchanged (staged, ANALYZEd, ranked by priority, cost, id).
--   * The reference checks of 00008 skip the statements of the write-back.
--     Everything those statements reference is held by the write-back
--     itself until COMMIT, under locks stronger than the checks' FOR KEY
--     SHARE: the run (claimed FOR UPDATE), the workers (FOR NO KEY UPDATE,
--     and each assignment's worker is one of them, read under that lock),
--     the tasks (the rows the same statement updates). The checks cost a
--     third of the statement's CPU at 100k rows. apply_run marks its own
--     statements with a temporary table it creates at its start and drops
--     before it returns (paidan.write_back_active); only the schema owner
--     can own it, so no other statement of the session, and no other role,
--     can skip a check.
--
-- Expand only: functions are added or replaced; no table changes.

-- +goose Up

-- write_back_active reports whether the calling statement runs inside
-- apply_run: whether this session's temporary schema holds the table
-- paidan_write_back owned by the owner of paidan.task.
-- +goose StatementBegin
CREATE FUNCTION paidan.write_back_active() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (
        SELECT FROM pg_catalog.pg_class c
        WHERE c.relname = 'paidan_write_back'
          AND c.relnamespace = pg_catalog.pg_my_temp_schema()
          AND c.relowner = (SELECT t.relowner FROM pg_catalog.pg_class t
                            WHERE t.oid = 'paidan.task'::pg_catalog.regclass));
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION paidan.write_back_active() FROM PUBLIC;

-- The reference checks of 00008, unchanged but for their first statement.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    IF paidan.write_back_active() THEN
        RETURN NULL;
    END IF;
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
CREATE OR REPLACE FUNCTION paidan.assignment_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_me      xid;
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    IF paidan.write_back_active() THEN
        RETURN NULL;
    END IF;
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
CREATE OR REPLACE FUNCTION paidan.unassigned_check_references() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_want    bigint;
    v_found   bigint;
    v_missing text;
BEGIN
    IF paidan.write_back_active() THEN
        RETURN NULL;
    END IF;
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

-- apply_run with the run's planning instant p_as_of (NULL: not recorded).
-- Arguments, result, errors and guarantees otherwise as in 00006.
-- +goose StatementBegin
CREATE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
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

-- The form the previous release calls: the same write-back, as_of left to
-- its caller.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
    p_task text[], p_worker text[], p_version bigint[], p_priority integer[],
    p_distance double precision[], p_travel double precision[], p_balance double precision[],
    p_stability double precision[], p_pinned boolean[],
    p_left_task text[], p_left_reason text[], p_left_detail text[],
    p_rules_hash text, p_input_hash text, p_objective double precision, p_objective_units bigint,
    p_dual_bound bigint, p_certificate text, p_kpis jsonb)
RETURNS TABLE (refused_task text, refused_worker text, refused_kind text)
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.refused_task, a.refused_worker, a.refused_kind
    FROM paidan.apply_run(p_run, p_partition, p_started_at, p_task, p_worker, p_version, p_priority,
        p_distance, p_travel, p_balance, p_stability, p_pinned, p_left_task, p_left_reason, p_left_detail,
        p_rules_hash, p_input_hash, p_objective, p_objective_units, p_dual_bound, p_certificate, p_kpis,
        NULL::timestamptz) a;
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[],
    double precision[], double precision[], double precision[], double precision[], boolean[], text[],
    text[], text[], text, text, double precision, bigint, bigint, text, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[],
    double precision[], double precision[], double precision[], double precision[], boolean[], text[],
    text[], text[], text, text, double precision, bigint, bigint, text, jsonb, timestamptz) TO paidan_runtime;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
    p_task text[], p_worker text[], p_version bigint[], p_priority integer[],
    p_distance double precision[], p_travel double precision[], p_balance double precision[],
    p_stability double precision[], p_pinned boolean[],
    p_left_task text[], p_left_reason text[], p_left_detail text[],
    p_rules_hash text, p_input_hash text, p_objective double precision, p_objective_units bigint,
    p_dual_bound bigint, p_certificate text, p_kpis jsonb)
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
    DROP TABLE IF EXISTS pg_temp.paidan_plan;
    CREATE TEMPORARY TABLE paidan_plan ON COMMIT DROP AS
    SELECT u.task_id, u.worker_id, u.version, u.priority, u.distance_km,
           u.cost_travel, u.cost_balance, u.cost_stability, u.pinned
    FROM unnest(p_task, p_worker, p_version, p_priority, p_distance, p_travel, p_balance,
                p_stability, p_pinned)
         AS u(task_id, worker_id, version, priority, distance_km, cost_travel, cost_balance,
              cost_stability, pinned);
    ANALYZE pg_temp.paidan_plan;
    PERFORM FROM paidan.worker w
    WHERE w.id IN (SELECT p.worker_id FROM pg_temp.paidan_plan p)
    ORDER BY w.id
    FOR NO KEY UPDATE;
    DROP TABLE IF EXISTS pg_temp.paidan_candidate;
    CREATE TEMPORARY TABLE paidan_candidate ON COMMIT DROP AS
    SELECT p.task_id, p.worker_id, p.version, p.priority,
           p.cost_travel + p.cost_balance + p.cost_stability AS cost
    FROM pg_temp.paidan_plan p
    JOIN paidan.task t ON t.id = p.task_id
    WHERE t.partition = p_partition AND t.status = 'pending' AND t.version = p.version;
    ANALYZE pg_temp.paidan_candidate;
    IF v_planned * 20 < (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = 'paidan.task'::regclass) THEN
        PERFORM set_config('enable_nestloop', 'on', true);
    END IF;
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
    INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
    SELECT p_run, u.task_id, u.reason, left(coalesce(u.detail, ''), 2000)
    FROM unnest(p_left_task, p_left_reason, p_left_detail) AS u(task_id, reason, detail);
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
            FROM pg_temp.paidan_plan p
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
END
$$;
-- +goose StatementEnd
DROP FUNCTION paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[],
    double precision[], double precision[], double precision[], double precision[], boolean[], text[],
    text[], text[], text, text, double precision, bigint, bigint, text, jsonb, timestamptz);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.task_check_references() RETURNS trigger
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
CREATE OR REPLACE FUNCTION paidan.assignment_check_references() RETURNS trigger
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
CREATE OR REPLACE FUNCTION paidan.unassigned_check_references() RETURNS trigger
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
DROP FUNCTION paidan.write_back_active();
