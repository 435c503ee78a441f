-- dispatched.sql over the rollups, for the periods from $7 (the first
-- period start at or after the range's start) on: assignments written back
-- per period, partition and task region, summed from
-- paidan.run_region_rollup, whose tasks_<period> count each task once per
-- period. A period cut by the range's start is read from the assignments
-- (dispatched.sql over [$1, $7)), since a task assigned before $1 in that
-- period counts there too.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s, $7::timestamptz AS aligned)
SELECT date_trunc(p.period, x.created_at, 'UTC') AS period_start, r.partition, x.region,
       sum(x.assignments)::bigint AS assignments,
       sum(CASE p.period WHEN 'day' THEN x.tasks_day WHEN 'week' THEN x.tasks_week ELSE x.tasks_month END)::bigint AS tasks,
       sum(x.distance_km) AS distance_km
FROM p, paidan.run_region_rollup x
JOIN paidan.run_rollup r ON r.run_id = x.run_id
WHERE x.created_at >= p.aligned AND x.created_at < p.t1 AND (p.part = '' OR r.partition = p.part)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
