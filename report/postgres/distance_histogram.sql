-- The assignments' travel distances in $7 equal bins from 0 to $8 km
-- (the last bin holds the maximum).
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
a AS (
    -- The run (for its partition) is looked up only for one partition's report.
    SELECT a.distance_km FROM p, paidan.assignment a
    WHERE a.created_at >= p.t0 AND a.created_at < p.t1
      AND (p.part = '' OR a.run_id IN (SELECT r.id FROM paidan.run r WHERE r.partition = p.part))
),
b AS (
    SELECT least(width_bucket(distance_km, 0, $8::float8, $7::int), $7::int) AS bin, count(*) AS n
    FROM a GROUP BY 1
)
SELECT (g - 1) * $8::float8 / $7::int AS bin_from_km, g * $8::float8 / $7::int AS bin_to_km,
       coalesce(b.n, 0) AS assignments
FROM generate_series(1, $7::int) g
LEFT JOIN b ON b.bin = g
ORDER BY g
