-- The figures of the tasks created in the range, in one pass over their
-- facts: per period of creation and region (the task_completion table), per
-- region and over all regions (the latency_by_region table), as
-- ROLLUP(region, period). Waits are created → first assigned; done is last
-- assigned → done; both in seconds.
SELECT grouping(t.region, date_trunc(p.period, t.created_at, 'UTC')) AS level,
       date_trunc(p.period, t.created_at, 'UTC') AS period_start, t.region,
       count(*) AS created,
       count(*) FILTER (WHERE t.n > 0) AS assigned_ever,
       count(*) FILTER (WHERE t.status = 'assigned') AS assigned_now,
       count(*) FILTER (WHERE t.status = 'done') AS done,
       count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE t.status = 'pending') AS pending,
       (count(*) FILTER (WHERE t.status = 'done'))::float8 / count(*) AS completion_rate,
       count(*) FILTER (WHERE t.n > 1) AS reassigned_tasks,
       coalesce(sum(t.n - 1) FILTER (WHERE t.n > 1), 0)::bigint AS reassignments,
       count(t.wait_s) AS assigned_tasks,
       min(t.wait_s) AS wait_min_s,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p25_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p50_s,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p75_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.wait_s) AS wait_p99_s,
       max(t.wait_s) AS wait_max_s,
       count(t.done_s) AS done_tasks,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.done_s) AS done_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.done_s) AS done_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.done_s) AS done_p99_s,
       count(*) FILTER (WHERE t.latency_s IS NOT NULL) AS sla_tasks,
       count(*) FILTER (WHERE t.latency_s > p.target_s) AS breaches,
       (count(*) FILTER (WHERE t.latency_s <= p.target_s))::float8
           / nullif(count(*) FILTER (WHERE t.latency_s IS NOT NULL), 0) AS within_target_share
FROM t, p
GROUP BY ROLLUP (t.region, date_trunc(p.period, t.created_at, 'UTC'))
ORDER BY level, period_start, region
