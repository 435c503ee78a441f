-- Start and status of every run started in the range, for the scheduled
-- cycles check.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT r.partition, r.started_at, r.status
FROM paidan.run r, p
WHERE r.started_at >= p.t0 AND r.started_at < p.t1 AND (p.part = '' OR r.partition = p.part)
ORDER BY r.partition, r.started_at, r.id
