-- Tasks applied runs left out, each task counted once per period under the
-- reason of its last run in the period, with the runs it waited through.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
u AS (
    SELECT date_trunc(p.period, r.started_at, 'UTC') AS period_start, r.partition, u.task_id,
           u.reason, r.started_at, r.id AS run_id
    FROM p, paidan.unassigned u
    JOIN paidan.run r ON r.id = u.run_id
    WHERE r.started_at >= p.t0 AND r.started_at < p.t1 AND (p.part = '' OR r.partition = p.part)
),
per_task AS (
    SELECT period_start, partition, task_id, count(*) AS runs,
           (array_agg(reason ORDER BY started_at DESC, run_id DESC))[1] AS reason
    FROM u
    GROUP BY 1, 2, 3
)
SELECT period_start, partition, reason, count(*) AS tasks, sum(runs)::bigint AS task_runs,
       max(runs) AS runs_waited_max, avg(runs)::float8 AS runs_waited_mean
FROM per_task
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
