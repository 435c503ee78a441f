-- Assignments written back in the range, per period, partition and task
-- region: how many, for how many distinct tasks, and their travel.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT date_trunc(p.period, a.created_at, 'UTC') AS period_start, r.partition, t.region,
       count(*) AS assignments, count(DISTINCT a.task_id) AS tasks,
       sum(a.distance_km) AS distance_km
FROM p, paidan.assignment a
JOIN paidan.run r ON r.id = a.run_id
JOIN paidan.task t ON t.id = a.task_id
WHERE a.created_at >= p.t0 AND a.created_at < p.t1 AND (p.part = '' OR r.partition = p.part)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
