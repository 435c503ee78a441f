-- The runtime role writes only through these functions. They run as the
-- schema owner (SECURITY DEFINER, search_path pinned to pg_catalog then
-- pg_temp, every name schema-qualified) and check what the database can
-- check, so that a role holding paidan_runtime can do nothing to the
-- dispatch tables that a correct write-back would not do:
--
--   * start_run records a run 'running', with no figures;
--   * apply_run claims the run (it must be running or new), assigns tasks
--     only pending -> assigned at the version the caller loaded, within
--     each worker's remaining capacity rechecked under a row lock, records
--     the assignments made and one paidan.unassigned row for every task the
--     run considered and left out, and finishes the run 'applied' with the
--     counts of those rows as its figures (certificate 'verified' only);
--   * finish_run finishes a running (or new) run 'failed' or 'skipped',
--     with no assignments;
--   * each of them first takes the partition's advisory lock for its
--     transaction (take_partition_lock), waiting for it like any lock
--     (lock_timeout applies). paidan's schedulers hold that lock per
--     partition for a whole run, on a session of their own, and advisory
--     locks are reentrant for the session holding them: a scheduler writes
--     on the session that holds its partition and goes straight through;
--     any other session waits until no scheduler holds the partition. A
--     run is thus started, applied and finished only by the session that
--     holds its partition's lock at that moment: no one finishes, fails or
--     writes into a run of a partition that a scheduler is planning.
--
-- Errors a caller acts on carry their own SQLSTATE: PD001 the run is
-- applied already, PD002 it is failed or skipped already, PD003 the run or
-- the arguments do not match (another partition, arrays of unequal length,
-- a status other than failed or skipped).
--
-- 00003's direct grants (UPDATE on task, INSERT and UPDATE on run, INSERT
-- on assignment, EXECUTE on lock_workers) and 00005's INSERT on unassigned
-- are revoked: the runtime role keeps SELECT on what it loads and reads
-- back, and EXECUTE on these three functions.

-- +goose Up

-- The advisory lock key of a partition: (0x70616964 "paid", hashtext(partition)),
-- as jobs/postgres takes it with pg_try_advisory_lock.
-- +goose StatementBegin
CREATE FUNCTION paidan.take_partition_lock(p_partition text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_advisory_xact_lock(1885432164, hashtext(p_partition));
$$;
-- +goose StatementEnd

-- claim_run inserts run p_run of p_partition as running unless it exists,
-- then row-locks it and raises unless it is running and of p_partition.
-- +goose StatementBegin
CREATE FUNCTION paidan.claim_run(p_run text, p_partition text, p_started_at timestamptz) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_status    text;
    v_partition text;
BEGIN
    INSERT INTO paidan.run (id, partition, started_at, status)
    VALUES (p_run, p_partition, coalesce(p_started_at, now()), 'running')
    ON CONFLICT (id) DO NOTHING;
    SELECT r.status, r.partition INTO v_status, v_partition FROM paidan.run r WHERE r.id = p_run FOR UPDATE;
    IF v_status = 'applied' THEN
        RAISE EXCEPTION 'paidan.run %: applied already', p_run USING ERRCODE = 'PD001';
    ELSIF v_status <> 'running' THEN
        RAISE EXCEPTION 'paidan.run %: % already', p_run, v_status USING ERRCODE = 'PD002';
    ELSIF v_partition <> p_partition THEN
        RAISE EXCEPTION 'paidan.run %: started for partition %, not %', p_run, v_partition, p_partition
            USING ERRCODE = 'PD003';
    END IF;
END
$$;
-- +goose StatementEnd

-- start_run records run p_run of p_partition as running; false when the id
-- exists already (nothing changes then).
-- +goose StatementBegin
CREATE FUNCTION paidan.start_run(p_run text, p_partition text, p_started_at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM paidan.take_partition_lock(p_partition);
    INSERT INTO paidan.run (id, partition, started_at, status)
    VALUES (p_run, p_partition, coalesce(p_started_at, now()), 'running')
    ON CONFLICT (id) DO NOTHING;
    RETURN FOUND;
END
$$;
-- +goose StatementEnd

-- finish_run finishes run p_run of p_partition (inserting it first when it
-- is new) as 'failed' or 'skipped' with the figures given; a finished run
-- has no assignments, so assigned and conflicts are 0.
-- +goose StatementBegin
CREATE FUNCTION paidan.finish_run(p_run text, p_partition text, p_status text,
    p_started_at timestamptz, p_finished_at timestamptz, p_rules_hash text, p_input_hash text,
    p_objective double precision, p_objective_units bigint, p_dual_bound bigint,
    p_certificate text, p_kpis jsonb, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('failed', 'skipped') THEN
        RAISE EXCEPTION 'paidan.run %: finish_run records failed or skipped runs, not %', p_run, p_status
            USING ERRCODE = 'PD003';
    END IF;
    PERFORM paidan.take_partition_lock(p_partition);
    PERFORM paidan.claim_run(p_run, p_partition, p_started_at);
    UPDATE paidan.run r
    SET status = p_status,
        finished_at = greatest(coalesce(p_finished_at, clock_timestamp()), r.started_at),
        rules_hash = nullif(p_rules_hash, ''),
        input_hash = nullif(p_input_hash, ''),
        objective = p_objective,
        objective_units = p_objective_units,
        dual_bound = p_dual_bound,
        certificate = p_certificate,
        kpis = p_kpis,
        assigned = 0,
        conflicts = 0,
        error = nullif(p_error, '')
    WHERE r.id = p_run;
END
$$;
-- +goose StatementEnd

-- apply_run writes a verified plan for run p_run of p_partition: the
-- planned assignments as parallel arrays (task, worker, the task version
-- the plan was made from, the task's priority, distance and costs, pinned),
-- the tasks the plan left out with their reason codes and details, and the
-- plan's figures. It returns the planned assignments it refused, in task
-- order, each with its conflict kind (the first that applies):
-- task_gone, task_cancelled, task_changed, worker_unavailable, worker_full.
-- Each refused task also gets a paidan.unassigned row with that kind as its
-- reason.
-- +goose StatementBegin
CREATE FUNCTION paidan.apply_run(p_run text, p_partition text, p_started_at timestamptz,
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

    -- The plan's rows, with statistics for the joins below. The table is
    -- the schema owner's, in this session's temporary schema; a caller's
    -- table of the same name makes the CREATE fail, never read.
    DROP TABLE IF EXISTS pg_temp.paidan_plan;
    CREATE TEMPORARY TABLE paidan_plan ON COMMIT DROP AS
    SELECT u.task_id, u.worker_id, u.version, u.priority, u.distance_km,
           u.cost_travel, u.cost_balance, u.cost_stability, u.pinned
    FROM unnest(p_task, p_worker, p_version, p_priority, p_distance, p_travel, p_balance,
                p_stability, p_pinned)
         AS u(task_id, worker_id, version, priority, distance_km, cost_travel, cost_balance,
              cost_stability, pinned);
    ANALYZE pg_temp.paidan_plan;

    -- Row-lock every worker of the plan in id order (concurrent write-backs
    -- never deadlock on each other): no other transaction changes their
    -- load, capacity or active flag until this one ends.
    PERFORM FROM paidan.worker w
    WHERE w.id IN (SELECT p.worker_id FROM pg_temp.paidan_plan p)
    ORDER BY w.id
    FOR NO KEY UPDATE;

    -- The candidates: the planned tasks still pending in the partition at
    -- the planned version. A table with statistics of its own, so that
    -- the statement below is planned for its real size whatever the
    -- statistics of paidan.task say (stale ones once made the ranking a
    -- nested loop rescanned per task, quadratic).
    DROP TABLE IF EXISTS pg_temp.paidan_candidate;
    CREATE TEMPORARY TABLE paidan_candidate ON COMMIT DROP AS
    SELECT p.task_id, p.worker_id, p.version, p.priority,
           p.cost_travel + p.cost_balance + p.cost_stability AS cost
    FROM pg_temp.paidan_plan p
    JOIN paidan.task t ON t.id = p.task_id
    WHERE t.partition = p_partition AND t.status = 'pending' AND t.version = p.version;
    ANALYZE pg_temp.paidan_candidate;
    -- Hash joins (the function turns nested loops off: on 100k rows they
    -- probed the task index row by row, 1.8x slower), unless the plan is a
    -- small part of the task table, where probing its index beats reading
    -- all of it.
    IF v_planned * 20 < (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = 'paidan.task'::regclass) THEN
        PERFORM set_config('enable_nestloop', 'on', true);
    END IF;

    -- Assign each candidate (its version rechecked on the row the UPDATE
    -- locks) within its worker's remaining capacity: an active worker of
    -- the partition has capacity - load left; when the plan asks for more,
    -- tasks of higher priority, then lower cost, then lower id win (only
    -- the tasks of those workers are ranked, a sort; the others all fit).
    -- The UPDATE's RETURNING rows feed the INSERT of the assignments.
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

-- A conflict the write-back found is a reason a task of an applied run
-- stayed unassigned, beside the planner's reasons.
ALTER TABLE paidan.unassigned DROP CONSTRAINT unassigned_reason_check;
ALTER TABLE paidan.unassigned ADD CONSTRAINT unassigned_reason_check CHECK (reason IN (
    'no_skill', 'no_region', 'out_of_range', 'outside_shift', 'no_capacity', 'cheaper_unassigned',
    'pinned_infeasible', 'task_gone', 'task_cancelled', 'task_changed', 'worker_unavailable', 'worker_full'));

-- Functions are executable by PUBLIC unless revoked; none of paidan's is.
-- (Triggers fire whatever the privilege: it is checked at CREATE TRIGGER.)
-- The default for the functions the migrating role creates later is
-- revoked too; only a database-wide default can take back PUBLIC's
-- EXECUTE (a per-schema one only adds to it), so it covers every function
-- this role creates in this database.
REVOKE ALL ON FUNCTION paidan.take_partition_lock(text), paidan.claim_run(text, text, timestamptz),
    paidan.start_run(text, text, timestamptz),
    paidan.finish_run(text, text, text, timestamptz, timestamptz, text, text, double precision, bigint, bigint, text, jsonb, text),
    paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[], double precision[],
        double precision[], double precision[], double precision[], boolean[], text[], text[], text[],
        text, text, double precision, bigint, bigint, text, jsonb),
    paidan.task_guard(), paidan.worker_guard(), paidan.task_after_update(), paidan.task_after_delete(),
    paidan.run_guard()
    FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

REVOKE ALL ON paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned FROM paidan_runtime;
REVOKE ALL ON FUNCTION paidan.lock_workers(text[]) FROM paidan_runtime;
GRANT SELECT ON paidan.task, paidan.worker, paidan.run TO paidan_runtime;
GRANT EXECUTE ON FUNCTION paidan.start_run(text, text, timestamptz),
    paidan.finish_run(text, text, text, timestamptz, timestamptz, text, text, double precision, bigint, bigint, text, jsonb, text),
    paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[], double precision[],
        double precision[], double precision[], double precision[], boolean[], text[], text[], text[],
        text, text, double precision, bigint, bigint, text, jsonb)
    TO paidan_runtime;

-- +goose Down
REVOKE ALL ON FUNCTION paidan.start_run(text, text, timestamptz),
    paidan.finish_run(text, text, text, timestamptz, timestamptz, text, text, double precision, bigint, bigint, text, jsonb, text),
    paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[], double precision[],
        double precision[], double precision[], double precision[], boolean[], text[], text[], text[],
        text, text, double precision, bigint, bigint, text, jsonb)
    FROM paidan_runtime;
REVOKE ALL ON paidan.task, paidan.worker, paidan.run FROM paidan_runtime;
GRANT SELECT ON paidan.task, paidan.worker, paidan.run, paidan.assignment TO paidan_runtime;
GRANT UPDATE (status, assigned_worker, assigned_run) ON paidan.task TO paidan_runtime;
GRANT INSERT ON paidan.run, paidan.assignment TO paidan_runtime;
GRANT UPDATE (finished_at, status, rules_hash, input_hash, objective, objective_units,
              dual_bound, certificate, kpis, assigned, conflicts, error) ON paidan.run TO paidan_runtime;
GRANT EXECUTE ON FUNCTION paidan.lock_workers(text[]) TO paidan_runtime;
GRANT SELECT, INSERT ON paidan.unassigned TO paidan_runtime;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
GRANT EXECUTE ON FUNCTION paidan.task_guard(), paidan.worker_guard(), paidan.task_after_update(),
    paidan.task_after_delete(), paidan.run_guard() TO PUBLIC;
DELETE FROM paidan.unassigned WHERE reason IN ('task_gone', 'task_cancelled', 'task_changed', 'worker_unavailable', 'worker_full');
ALTER TABLE paidan.unassigned DROP CONSTRAINT unassigned_reason_check;
ALTER TABLE paidan.unassigned ADD CONSTRAINT unassigned_reason_check CHECK (reason IN ('no_skill', 'no_region',
    'out_of_range', 'outside_shift', 'no_capacity', 'cheaper_unassigned', 'pinned_infeasible'));
DROP FUNCTION paidan.apply_run(text, text, timestamptz, text[], text[], bigint[], integer[], double precision[],
    double precision[], double precision[], double precision[], boolean[], text[], text[], text[],
    text, text, double precision, bigint, bigint, text, jsonb);
DROP FUNCTION paidan.finish_run(text, text, text, timestamptz, timestamptz, text, text, double precision, bigint, bigint, text, jsonb, text);
DROP FUNCTION paidan.start_run(text, text, timestamptz);
DROP FUNCTION paidan.claim_run(text, text, timestamptz);
DROP FUNCTION paidan.take_partition_lock(text);
