-- A generated month of history for the report benchmark: :runs runs over
-- November 2026 in 4 partitions (90% applied, 8% skipped, 2% failed), 1000
-- workers, :tasks tasks with two assignments each by two applied runs
-- (reassigned once), a tenth of them left out by one run first, and the
-- usage of every applied run. The psql-style :names are replaced by the
-- benchmark before it runs this.
ALTER TABLE paidan.task DISABLE TRIGGER USER;
ALTER TABLE paidan.worker DISABLE TRIGGER USER;

INSERT INTO paidan.worker (id, partition, regions, capacity, load, lat, lon)
SELECT 'w' || i, 'p' || (i % 4), ARRAY['r' || (i % 16)], 50, 0, 0, 0 FROM generate_series(0, 999) i;

INSERT INTO paidan.run (id, partition, started_at, finished_at, status, objective, objective_units, dual_bound, certificate, assigned, kpis)
SELECT 'run' || i, 'p' || (i % 4),
       timestamptz '2026-11-01Z' + (i * interval '30 days' / :runs),
       timestamptz '2026-11-01Z' + (i * interval '30 days' / :runs) + interval '3 seconds',
       CASE WHEN i % 50 = 7 THEN 'failed' WHEN i % 12 = 5 THEN 'skipped' ELSE 'applied' END,
       1000 + i % 97, (1000 + i % 97) * 1000, (1000 + i % 97) * 1000,
       CASE WHEN i % 50 = 7 OR i % 12 = 5 THEN 'unchecked' ELSE 'verified' END, 0,
       '{"overall": {"utilization_p50": 0.5, "utilization_p90": 0.9}}'
FROM generate_series(0, :runs - 1) i;

CREATE TEMP TABLE applied AS
SELECT row_number() OVER (ORDER BY started_at) - 1 AS n,
       row_number() OVER (PARTITION BY partition ORDER BY started_at) - 1 AS pn,
       count(*) OVER (PARTITION BY partition) AS pcount,
       id, partition, started_at FROM paidan.run WHERE status = 'applied';

INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages)
SELECT id, 0.5 + n % 10 * 0.1, 100000000 + n % 100 * 1000000, '{"load": 0.2, "plan": 1.1, "write": 0.6}' FROM applied;

-- Task i is created before the applied run k = i mod (applied runs) that
-- first assigns it and is assigned again by the next applied run of the
-- same partition (or, after its last, the one before).
CREATE TEMP TABLE gen AS
SELECT i, a1.id AS run1, a1.started_at AS at1, a2.id AS run2, a2.started_at AS at2, a1.partition
FROM generate_series(0, :tasks - 1) i
JOIN applied a1 ON a1.n = i % (SELECT count(*) FROM applied)
JOIN applied a2 ON a2.partition = a1.partition
                AND a2.pn = CASE WHEN a1.pn + 1 < a1.pcount THEN a1.pn + 1 ELSE a1.pn - 1 END;

INSERT INTO paidan.task (id, partition, region, lat, lon, created_at, status, assigned_worker, assigned_run, updated_at)
SELECT 't' || i, partition, 'r' || (i % 16), 0, 0,
       least(at1, at2) - (i % 120) * interval '10 seconds',
       CASE WHEN i % 10 = 0 THEN 'done' WHEN i % 10 = 1 THEN 'cancelled' ELSE 'assigned' END,
       CASE WHEN i % 10 = 1 THEN NULL ELSE 'w' || (i % 1000) END,
       CASE WHEN i % 10 = 1 THEN NULL ELSE greatest(run1, run2) END,
       greatest(at1, at2) + interval '1 hour'
FROM gen;

INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active, created_at)
SELECT run1, 't' || i, 'w' || (i % 1000), (i % 500) / 10.0, (i % 500) / 10.0, 0.5, 0, false, at1 + interval '2 seconds' FROM gen
UNION ALL
SELECT run2, 't' || i, 'w' || (i % 1000), (i % 300) / 10.0, (i % 300) / 10.0, 0.5, 1, false, at2 + interval '2 seconds' FROM gen;

INSERT INTO paidan.unassigned (run_id, task_id, reason, created_at)
SELECT run1, 't' || i, (ARRAY['no_skill', 'no_capacity', 'out_of_range'])[1 + i % 3], at1 FROM gen WHERE i % 10 = 3;

ALTER TABLE paidan.task ENABLE TRIGGER USER;
ALTER TABLE paidan.worker ENABLE TRIGGER USER;
ANALYZE paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned, paidan.run_usage;
