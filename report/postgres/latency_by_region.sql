-- Per region (and "(all)"): the distribution of created → first assigned
-- and last assigned → done, in seconds, over the tasks created in the range.
SELECT CASE WHEN grouping(t.region) = 1 THEN '(all)' ELSE t.region END AS region,
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
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.done_s) AS done_p99_s
FROM t
GROUP BY GROUPING SETS ((t.region), ())
ORDER BY grouping(t.region), t.region
