-- Worker groups: paidan.worker.worker_group names the team, depot or
-- contractor a worker belongs to ('' for none), set by the business
-- systems (paidan_business may insert and update it), so that the task
-- completion figures of a report can be read per worker group as well as
-- per region.
--
--   * The column is added with a constant default (no table rewrite) and
--     its CHECK as NOT VALID, then validated (SHARE UPDATE EXCLUSIVE: no
--     writer waits for the scan); every existing row holds '' and passes.
--   * A change of a worker's group is kept in paidan.edit_history like
--     every other business column, by a trigger of its own (the existing
--     worker_edit_history trigger is left as it is: replacing its WHEN
--     clause would take an ACCESS EXCLUSIVE lock for nothing).
--   * paidan.task_rollup.worker_group: the group of the worker that held a
--     task's latest assignment, when its run was rolled up (as its region
--     is); paidan.report_rollup() now fills it. Every worker's group is ''
--     when this migration runs, so '' is what every task rolled up before
--     would have: the constant default needs no backfill.
--
-- Expand only: new columns with constant defaults, a NOT VALID CHECK then
-- validated, a new trigger function and trigger, a replaced function,
-- column grants. A binary of the previous release never names the new
-- columns and keeps working.

-- +goose Up
ALTER TABLE paidan.worker ADD COLUMN worker_group text NOT NULL DEFAULT '';
ALTER TABLE paidan.worker ADD CONSTRAINT worker_group_name
    CHECK (octet_length(worker_group) <= 200 AND worker_group !~ '[\x01-\x1f\x7f]') NOT VALID;
ALTER TABLE paidan.worker VALIDATE CONSTRAINT worker_group_name;
COMMENT ON COLUMN paidan.worker.worker_group IS 'the worker''s group (team, depot, contractor), set by the business systems; '''' for none; reports group task completion by it';

GRANT INSERT (worker_group), UPDATE (worker_group) ON paidan.worker TO paidan_business;

ALTER TABLE paidan.task_rollup ADD COLUMN worker_group text NOT NULL DEFAULT '';
COMMENT ON COLUMN paidan.task_rollup.worker_group IS 'group of the worker of the task''s latest assignment, when its run was rolled up ('''' for none)';

-- +goose StatementBegin
CREATE FUNCTION paidan.worker_group_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO paidan.edit_history (table_name, row_id, operation, column_name, old_value, new_value)
    VALUES ('worker', OLD.id, 'update', 'worker_group', to_jsonb(OLD.worker_group), to_jsonb(NEW.worker_group));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION paidan.worker_group_history() FROM PUBLIC;
CREATE TRIGGER worker_group_edit_history AFTER UPDATE OF worker_group ON paidan.worker
    FOR EACH ROW
    WHEN (OLD.worker_group IS DISTINCT FROM NEW.worker_group)
    EXECUTE FUNCTION paidan.worker_group_history();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.report_rollup() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    -- (0x70616964 "paid", 0x726f6c6c "roll"): one rollup at a time.
    PERFORM pg_advisory_xact_lock(1885432164, 1919904876);
    CREATE TEMP TABLE report_rollup_runs ON COMMIT DROP AS
    SELECT r.id, r.partition, r.started_at FROM paidan.run r
    WHERE r.status = 'applied'
      AND NOT EXISTS (SELECT FROM paidan.run_rollup x WHERE x.run_id = r.id);
    -- Each assignment of those runs with its task's region, its worker's
    -- group ('' for a worker deleted since) and the time of the task's
    -- previous assignment: in these runs, or else the last one rolled up
    -- before.
    CREATE TEMP TABLE report_rollup_a ON COMMIT DROP AS
    SELECT a.run_id, a.task_id, a.created_at, a.distance_km, a.cost_travel, a.cost_balance,
           a.cost_stability, a.cost_total, t.region, coalesce(w.worker_group, '') AS worker_group,
           coalesce(lag(a.created_at) OVER (PARTITION BY a.task_id ORDER BY a.created_at, a.run_id),
                    tr.last_at) AS prev_at
    FROM report_rollup_runs r
    JOIN paidan.assignment a ON a.run_id = r.id
    JOIN paidan.task t ON t.id = a.task_id
    LEFT JOIN paidan.worker w ON w.id = a.worker_id
    LEFT JOIN paidan.task_rollup tr ON tr.task_id = a.task_id;

    INSERT INTO paidan.run_rollup (run_id, partition, started_at, assignments, cost_travel,
                                   cost_balance, cost_stability, cost_total)
    SELECT r.id, r.partition, r.started_at, coalesce(s.n, 0), coalesce(s.travel, 0),
           coalesce(s.balance, 0), coalesce(s.stability, 0), coalesce(s.total, 0)
    FROM report_rollup_runs r LEFT JOIN (
        SELECT run_id, count(*) AS n, sum(cost_travel) AS travel, sum(cost_balance) AS balance,
               sum(cost_stability) AS stability, sum(cost_total) AS total
        FROM report_rollup_a GROUP BY run_id
    ) s ON s.run_id = r.id;
    GET DIAGNOSTICS n = ROW_COUNT;

    INSERT INTO paidan.run_region_rollup (run_id, region, created_at, assignments, tasks_day, tasks_week,
                                          tasks_month, distance_km, distances_km)
    SELECT run_id, region, created_at, count(*),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('day', prev_at, 'UTC') <> date_trunc('day', created_at, 'UTC')),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('week', prev_at, 'UTC') <> date_trunc('week', created_at, 'UTC')),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('month', prev_at, 'UTC') <> date_trunc('month', created_at, 'UTC')),
           sum(distance_km), array_agg(distance_km ORDER BY distance_km)
    FROM report_rollup_a
    GROUP BY run_id, region, created_at;

    -- The group is the latest assignment's: of these runs, in the order
    -- the window above uses, unless the task's rolled-up latest is later.
    INSERT INTO paidan.task_rollup AS tr (task_id, first_at, last_at, assignments, worker_group)
    SELECT task_id, min(created_at), max(created_at), count(*),
           (array_agg(worker_group ORDER BY created_at DESC, run_id DESC))[1]
    FROM report_rollup_a GROUP BY task_id
    ON CONFLICT (task_id) DO UPDATE
        SET first_at = least(tr.first_at, excluded.first_at),
            last_at = greatest(tr.last_at, excluded.last_at),
            assignments = tr.assignments + excluded.assignments,
            worker_group = CASE WHEN excluded.last_at >= tr.last_at THEN excluded.worker_group
                                ELSE tr.worker_group END;

    DROP TABLE report_rollup_runs, report_rollup_a;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION paidan.report_rollup() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_advisory_xact_lock(1885432164, 1919904876);
    CREATE TEMP TABLE report_rollup_runs ON COMMIT DROP AS
    SELECT r.id, r.partition, r.started_at FROM paidan.run r
    WHERE r.status = 'applied'
      AND NOT EXISTS (SELECT FROM paidan.run_rollup x WHERE x.run_id = r.id);
    CREATE TEMP TABLE report_rollup_a ON COMMIT DROP AS
    SELECT a.run_id, a.task_id, a.created_at, a.distance_km, a.cost_travel, a.cost_balance,
           a.cost_stability, a.cost_total, t.region,
           coalesce(lag(a.created_at) OVER (PARTITION BY a.task_id ORDER BY a.created_at, a.run_id),
                    tr.last_at) AS prev_at
    FROM report_rollup_runs r
    JOIN paidan.assignment a ON a.run_id = r.id
    JOIN paidan.task t ON t.id = a.task_id
    LEFT JOIN paidan.task_rollup tr ON tr.task_id = a.task_id;

    INSERT INTO paidan.run_rollup (run_id, partition, started_at, assignments, cost_travel,
                                   cost_balance, cost_stability, cost_total)
    SELECT r.id, r.partition, r.started_at, coalesce(s.n, 0), coalesce(s.travel, 0),
           coalesce(s.balance, 0), coalesce(s.stability, 0), coalesce(s.total, 0)
    FROM report_rollup_runs r LEFT JOIN (
        SELECT run_id, count(*) AS n, sum(cost_travel) AS travel, sum(cost_balance) AS balance,
               sum(cost_stability) AS stability, sum(cost_total) AS total
        FROM report_rollup_a GROUP BY run_id
    ) s ON s.run_id = r.id;
    GET DIAGNOSTICS n = ROW_COUNT;

    INSERT INTO paidan.run_region_rollup (run_id, region, created_at, assignments, tasks_day, tasks_week,
                                          tasks_month, distance_km, distances_km)
    SELECT run_id, region, created_at, count(*),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('day', prev_at, 'UTC') <> date_trunc('day', created_at, 'UTC')),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('week', prev_at, 'UTC') <> date_trunc('week', created_at, 'UTC')),
           count(*) FILTER (WHERE prev_at IS NULL OR date_trunc('month', prev_at, 'UTC') <> date_trunc('month', created_at, 'UTC')),
           sum(distance_km), array_agg(distance_km ORDER BY distance_km)
    FROM report_rollup_a
    GROUP BY run_id, region, created_at;

    INSERT INTO paidan.task_rollup AS tr (task_id, first_at, last_at, assignments)
    SELECT task_id, min(created_at), max(created_at), count(*) FROM report_rollup_a GROUP BY task_id
    ON CONFLICT (task_id) DO UPDATE
        SET first_at = least(tr.first_at, excluded.first_at),
            last_at = greatest(tr.last_at, excluded.last_at),
            assignments = tr.assignments + excluded.assignments;

    DROP TABLE report_rollup_runs, report_rollup_a;
    RETURN n;
END
$$;
-- +goose StatementEnd
DROP TRIGGER worker_group_edit_history ON paidan.worker;
DROP FUNCTION paidan.worker_group_history();
ALTER TABLE paidan.task_rollup DROP COLUMN worker_group;
ALTER TABLE paidan.worker DROP COLUMN worker_group;
