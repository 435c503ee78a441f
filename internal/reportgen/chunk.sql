-- The runs {lo} ≤ idx < {hi}: their assignments, the tasks they assign
-- first, their left-out rows, the runs themselves with their usage. One
-- transaction: the run ledger's deferred trigger digests each run's rows
-- at its commit.
BEGIN;
INSERT INTO paidan.task (id, partition, region, lat, lon, created_at, status, assigned_worker, assigned_run,
                         previous_worker, updated_at)
SELECT 't-' || lpad(i::text, 9, '0'), partition, 'r' || (i % 16), 0, 0,
       coalesce(at0, at1) - (i % 120) * interval '10 seconds',
       status,
       CASE WHEN status <> 'cancelled' THEN w2 END,
       CASE WHEN status <> 'cancelled' THEN 'run-' || lpad(r2::text, 6, '0') END,
       w1,
       at2 + CASE status WHEN 'done' THEN interval '1 hour' WHEN 'cancelled' THEN interval '30 minutes'
                         ELSE interval '2 seconds' END
FROM gen_task WHERE r1 >= {lo} AND r1 < {hi}
ORDER BY i;

INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability,
                               active, created_at)
SELECT 'run-' || lpad(r::text, 6, '0'), 't-' || lpad(i::text, 9, '0'), w, d, d, 0.5, s, active, at + interval '2 seconds'
FROM (
    SELECT r1 AS r, i, w1 AS w, (i % 500) / 10.0 AS d, 0 AS s, false AS active, at1 AS at
    FROM gen_task WHERE r1 >= {lo} AND r1 < {hi}
    UNION ALL
    SELECT r2, i, w2, (i % 300) / 10.0, 1, status = 'assigned', at2
    FROM gen_task WHERE r2 >= {lo} AND r2 < {hi}
) a
ORDER BY r, i;

INSERT INTO paidan.unassigned (run_id, task_id, reason, created_at)
SELECT 'run-' || lpad(r0::text, 6, '0'), 't-' || lpad(i::text, 9, '0'),
       (ARRAY['no_skill', 'no_capacity', 'out_of_range'])[1 + i % 3], at0
FROM gen_task WHERE at0 IS NOT NULL AND r0 >= {lo} AND r0 < {hi}
ORDER BY r0, i;

INSERT INTO paidan.run (id, partition, started_at, finished_at, status, objective, objective_units, dual_bound,
                        certificate, assigned, kpis)
SELECT g.id, g.partition, g.started_at, g.started_at + interval '3 seconds', g.status,
       1000 + g.idx % 97, (1000 + g.idx % 97) * 1000, (1000 + g.idx % 97) * 1000,
       CASE WHEN g.status = 'applied' THEN 'verified' ELSE 'unchecked' END,
       (SELECT count(*) FROM paidan.assignment a WHERE a.run_id = g.id),
       '{"overall": {"utilization_p50": 0.5, "utilization_p90": 0.9}}'
FROM gen_run g WHERE g.idx >= {lo} AND g.idx < {hi}
ORDER BY g.idx;

INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages)
SELECT id, 0.5 + idx % 10 * 0.1, 100000000 + idx % 100 * 1000000, '{"load": 0.2, "plan": 1.1, "write": 0.6}'
FROM gen_run WHERE status = 'applied' AND idx >= {lo} AND idx < {hi};
COMMIT;
