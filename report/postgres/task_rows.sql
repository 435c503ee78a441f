-- The tasks created in the range, one row each, for the task tables
-- computed in Go (tasks.go), with each task's first and last assignment
-- from paidan.task_rollup. Times are Unix microseconds (exact: a float8
-- holds every microsecond of these years, and integers print far faster
-- than timestamps); the last assignment and the done time only for a done
-- task. tasks.go derives the waits and the dispatch latency as
-- task_facts.sql does.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT (date_part('epoch', tk.created_at) * 1000000)::int8 AS created_us, tk.region, tk.status,
       coalesce(f.assignments, 0) AS n,
       (date_part('epoch', f.first_at) * 1000000)::int8 AS first_us,
       CASE WHEN tk.status = 'done' THEN (date_part('epoch', f.last_at) * 1000000)::int8 END AS last_us,
       CASE WHEN tk.status = 'done' THEN (date_part('epoch', tk.updated_at) * 1000000)::int8 END AS done_us,
       tk.id, tk.partition
FROM p, paidan.task tk
LEFT JOIN paidan.task_rollup f ON f.task_id = tk.id
WHERE tk.created_at >= p.t0 AND tk.created_at < p.t1 AND (p.part = '' OR tk.partition = p.part)
