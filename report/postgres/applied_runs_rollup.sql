-- applied_runs.sql over paidan.run_rollup (the sums of each run's
-- assignments). Every applied run in the range with its objective, components, certificate
-- and, where recorded, the engine's CPU time and peak memory. The run's
-- objective and kpis are the plan's, written before the write-back knew
-- which assignments would conflict; the cost columns are the assignments
-- written. planned is the plan's assignment cost (kpis: mean_cost ×
-- assigned), so penalty = objective − planned is the penalties of the tasks
-- the plan left out, and conflict_cost = planned − written is the cost of
-- the planned assignments the write-back refused. A run recorded without
-- kpis counts as planned what was written (conflict_cost 0).
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
r AS (
    SELECT r.* FROM paidan.run r, p
    WHERE r.status = 'applied' AND r.started_at >= p.t0 AND r.started_at < p.t1
      AND (p.part = '' OR r.partition = p.part)
),
c AS (
    SELECT x.run_id, x.cost_travel AS travel, x.cost_balance AS balance,
           x.cost_stability AS stability, x.cost_total AS total
    FROM r JOIN paidan.run_rollup x ON x.run_id = r.id
),
k AS (
    SELECT r.id, coalesce(round(((r.kpis -> 'overall' ->> 'mean_cost')::numeric
                                  * (r.kpis -> 'overall' ->> 'assigned')::numeric), 6)::float8,
                          c.total, 0) AS planned
    FROM r LEFT JOIN c ON c.run_id = r.id
)
SELECT r.id AS run_id, r.partition, r.started_at, r.finished_at,
       extract(epoch FROM r.finished_at - r.started_at)::float8 AS duration_s,
       r.certificate, r.objective, r.objective_units, r.dual_bound,
       r.objective_units - r.dual_bound AS gap_units, r.assigned::bigint AS assigned, r.conflicts::bigint AS conflicts,
       coalesce(c.travel, 0) AS cost_travel, coalesce(c.balance, 0) AS cost_balance,
       coalesce(c.stability, 0) AS cost_stability, r.objective - k.planned AS penalty,
       k.planned - coalesce(c.total, 0) AS conflict_cost,
       (r.kpis -> 'overall' ->> 'utilization_p50')::float8 AS utilization_p50,
       (r.kpis -> 'overall' ->> 'utilization_p90')::float8 AS utilization_p90,
       u.cpu_seconds, u.peak_memory_bytes
FROM r
LEFT JOIN c ON c.run_id = r.id
JOIN k ON k.id = r.id
LEFT JOIN paidan.run_usage u ON u.run_id = r.id
ORDER BY r.started_at, r.id
