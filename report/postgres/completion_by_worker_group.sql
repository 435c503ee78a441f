-- The tasks created in the range that were ever assigned, per group of the
-- worker of their latest assignment ('' shown as report.NoWorkerGroup,
-- "(none)"): status now, reassignments, waits (created → first assigned),
-- done times (last assigned → done) and dispatch latency breaches.
SELECT CASE WHEN t.worker_group = '' THEN '(none)' ELSE t.worker_group END AS worker_group,
       count(*) AS assigned_tasks,
       count(*) FILTER (WHERE t.status = 'assigned') AS assigned_now,
       count(*) FILTER (WHERE t.status = 'done') AS done,
       count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE t.status = 'pending') AS pending,
       (count(*) FILTER (WHERE t.status = 'done'))::float8 / count(*) AS completion_rate,
       count(*) FILTER (WHERE t.n > 1) AS reassigned_tasks,
       coalesce(sum(t.n - 1) FILTER (WHERE t.n > 1), 0)::bigint AS reassignments,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p99_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.done_s) AS done_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.done_s) AS done_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.done_s) AS done_p99_s,
       count(*) FILTER (WHERE t.latency_s > p.target_s) AS breaches
FROM t, p
WHERE t.n > 0
GROUP BY t.worker_group
ORDER BY t.worker_group COLLATE "C"
