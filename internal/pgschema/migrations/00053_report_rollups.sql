-- Report rollups: what every applied run wrote back, aggregated once, so
-- that a report of a month reads one row per run and region, and one per
-- task, instead of every assignment row (a month of 30,000 runs holds ten
-- million of those).
--
-- run_rollup: one row per applied run rolled up, with the sums of its
-- assignments' costs (the applied_runs table of a report).
--
-- run_region_rollup: per applied run, task region and write-back time
-- (assignment.created_at; one value per run in practice, the write-back's
-- transaction time): the assignments, their travel, every distance (sorted,
-- so that a report computes exact percentiles and histograms from them),
-- and how many of the assignments were their task's first in its UTC day,
-- ISO week and month (a task assigned by two runs of one day is dispatched
-- once that day; the dispatched table counts distinct tasks per period).
--
-- task_rollup: per task ever assigned, its first and last assignment time
-- and how many assignments it had (the task completion tables).
--
-- paidan.report_rollup() rolls up every applied run that is not yet rolled
-- up, in one statement, under a transaction-level advisory lock, so that
-- two callers never roll up a run twice; it returns how many runs it
-- rolled up. A run is rolled up after its write-back committed (applied is
-- final), so the rollups never change afterwards. The scheduler calls it
-- after each cycle and "paidan report" before it takes its snapshot; it is
-- SECURITY DEFINER so that the roles that run reports need no write
-- privilege. The region is the task's when its run is rolled up, and a
-- task's runs must be rolled up in the order they wrote (the scheduler runs
-- one run of a partition at a time, and a rollup takes every applied run
-- not yet rolled up). The write-back itself is not touched.
--
-- Expand only: new tables and a new function; nothing that runs today
-- changes.

-- +goose Up
CREATE TABLE paidan.run_rollup (
    run_id         text        PRIMARY KEY REFERENCES paidan.run (id),
    partition      text        NOT NULL,
    started_at     timestamptz NOT NULL,
    assignments    bigint      NOT NULL CHECK (assignments >= 0),
    cost_travel    double precision NOT NULL,
    cost_balance   double precision NOT NULL,
    cost_stability double precision NOT NULL,
    cost_total     double precision NOT NULL,
    rolled_up_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_rollup_started ON paidan.run_rollup (started_at);
COMMENT ON TABLE paidan.run_rollup IS 'per applied run: its assignments and their cost sums; filled by paidan.report_rollup()';

CREATE TABLE paidan.run_region_rollup (
    run_id       text        NOT NULL REFERENCES paidan.run_rollup (run_id),
    region       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    assignments  bigint      NOT NULL CHECK (assignments > 0),
    tasks_day    bigint      NOT NULL CHECK (tasks_day >= 0),
    tasks_week   bigint      NOT NULL CHECK (tasks_week >= 0),
    tasks_month  bigint      NOT NULL CHECK (tasks_month >= 0),
    distance_km  double precision NOT NULL,
    distances_km double precision[] NOT NULL,
    PRIMARY KEY (run_id, region, created_at)
);
CREATE INDEX run_region_rollup_created ON paidan.run_region_rollup (created_at);
COMMENT ON TABLE paidan.run_region_rollup IS 'per applied run, task region and write-back time: assignments, first assignments of a task per UTC day/week/month, travel and every distance (sorted)';

CREATE TABLE paidan.task_rollup (
    task_id     text        PRIMARY KEY,
    first_at    timestamptz NOT NULL,
    last_at     timestamptz NOT NULL,
    assignments integer     NOT NULL CHECK (assignments > 0)
);
COMMENT ON TABLE paidan.task_rollup IS 'per task ever assigned: first and last assignment time and the number of assignments of the runs rolled up';

-- +goose StatementBegin
CREATE FUNCTION paidan.report_rollup() RETURNS integer
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
    -- Each assignment of those runs with its task's region and the time of
    -- the task's previous assignment: in these runs, or else the last one
    -- rolled up before.
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
REVOKE ALL ON FUNCTION paidan.report_rollup() FROM PUBLIC;

GRANT SELECT ON paidan.run_rollup, paidan.run_region_rollup, paidan.task_rollup
    TO paidan_runtime, paidan_business, paidan_reader, paidan_console;
GRANT EXECUTE ON FUNCTION paidan.report_rollup() TO paidan_runtime, paidan_reader, paidan_console;

COMMENT ON COLUMN paidan.run_rollup.run_id IS 'the applied run (paidan.run.id)';
COMMENT ON COLUMN paidan.run_rollup.partition IS 'the run''s partition';
COMMENT ON COLUMN paidan.run_rollup.started_at IS 'when the run started';
COMMENT ON COLUMN paidan.run_rollup.assignments IS 'assignments the run wrote';
COMMENT ON COLUMN paidan.run_rollup.cost_travel IS 'sum of the assignments'' travel cost';
COMMENT ON COLUMN paidan.run_rollup.cost_balance IS 'sum of the assignments'' balance cost';
COMMENT ON COLUMN paidan.run_rollup.cost_stability IS 'sum of the assignments'' stability cost';
COMMENT ON COLUMN paidan.run_rollup.cost_total IS 'sum of the assignments'' total cost';
COMMENT ON COLUMN paidan.run_rollup.rolled_up_at IS 'when paidan.report_rollup() rolled the run up';
COMMENT ON COLUMN paidan.run_region_rollup.run_id IS 'the applied run (paidan.run_rollup.run_id)';
COMMENT ON COLUMN paidan.run_region_rollup.region IS 'the assigned tasks'' region when the run was rolled up';
COMMENT ON COLUMN paidan.run_region_rollup.created_at IS 'the assignments'' write-back time (assignment.created_at)';
COMMENT ON COLUMN paidan.run_region_rollup.assignments IS 'assignments of the run to tasks of the region';
COMMENT ON COLUMN paidan.run_region_rollup.tasks_day IS 'of them, the task''s first assignment in its UTC day';
COMMENT ON COLUMN paidan.run_region_rollup.tasks_week IS 'of them, the task''s first assignment in its ISO week';
COMMENT ON COLUMN paidan.run_region_rollup.tasks_month IS 'of them, the task''s first assignment in its UTC month';
COMMENT ON COLUMN paidan.run_region_rollup.distance_km IS 'sum of the assignments'' distances, km';
COMMENT ON COLUMN paidan.run_region_rollup.distances_km IS 'every assignment''s distance in km, sorted ascending (exact percentiles and histograms)';
COMMENT ON COLUMN paidan.task_rollup.task_id IS 'the task (paidan.task.id)';
COMMENT ON COLUMN paidan.task_rollup.first_at IS 'time of the task''s first assignment';
COMMENT ON COLUMN paidan.task_rollup.last_at IS 'time of the task''s latest assignment';
COMMENT ON COLUMN paidan.task_rollup.assignments IS 'assignments the task had (more than one: reassigned)';

-- +goose Down
DROP FUNCTION paidan.report_rollup();
DROP TABLE paidan.run_region_rollup;
DROP TABLE paidan.task_rollup;
DROP TABLE paidan.run_rollup;
