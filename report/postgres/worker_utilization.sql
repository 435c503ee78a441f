-- Active workers now: load / capacity (empty for a worker without capacity).
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT w.id AS worker_id, w.partition, coalesce(w.regions[1], '') AS region,
       w.capacity::bigint AS capacity, w.load::bigint AS load,
       CASE WHEN w.capacity > 0 THEN w.load::float8 / w.capacity END AS utilization
FROM p, paidan.worker w
WHERE w.active AND (p.part = '' OR w.partition = p.part)
ORDER BY w.id
