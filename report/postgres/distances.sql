-- Every travel distance of the assignments written back in the range, from
-- paidan.run_region_rollup: one sorted array per run, region and write-back
-- time, in binary (array_send: no float is printed and parsed again). The
-- report merges them for exact percentiles and the histogram.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT array_send(x.distances_km)
FROM p, paidan.run_region_rollup x
WHERE x.created_at >= p.t0 AND x.created_at < p.t1
  AND (p.part = '' OR x.run_id IN (SELECT r.run_id FROM paidan.run_rollup r WHERE r.partition = p.part))
