-- Travel distance of the assignments written back in the range.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
a AS (
    -- The run (for its partition) is looked up only for one partition's report.
    SELECT a.distance_km FROM p, paidan.assignment a
    WHERE a.created_at >= p.t0 AND a.created_at < p.t1
      AND (p.part = '' OR a.run_id IN (SELECT r.id FROM paidan.run r WHERE r.partition = p.part))
)
SELECT count(*) AS assignments, avg(distance_km)::float8 AS mean_km,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY distance_km) AS p50_km,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY distance_km) AS p90_km,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY distance_km) AS p99_km,
       max(distance_km) AS max_km
FROM a
