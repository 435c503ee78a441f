-- How many distances distances.sql returns (the arrays' lengths add up to
-- the rows' assignments), so that the report holds them in one slice of
-- that size instead of growing it.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT coalesce(sum(x.assignments), 0)::int8
FROM p, paidan.run_region_rollup x
WHERE x.created_at >= p.t0 AND x.created_at < p.t1
  AND (p.part = '' OR x.run_id IN (SELECT r.run_id FROM paidan.run_rollup r WHERE r.partition = p.part))
