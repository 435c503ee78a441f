-- Start and status of every run started in the range, and each
-- partition's last run before it when that run was skipped (the partition
-- was idle when the range began), for the scheduled cycles check.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
before AS (
    SELECT DISTINCT ON (r.partition) r.partition, r.started_at, r.status::text AS status, r.id
    FROM paidan.run r, p
    WHERE r.started_at < p.t0 AND (p.part = '' OR r.partition = p.part)
    ORDER BY r.partition, r.started_at DESC, r.id DESC
)
SELECT partition, started_at, status FROM (
    SELECT r.partition, r.started_at, r.status::text AS status, r.id
    FROM paidan.run r, p
    WHERE r.started_at >= p.t0 AND r.started_at < p.t1 AND (p.part = '' OR r.partition = p.part)
    UNION ALL
    SELECT partition, started_at, status, id FROM before WHERE status = 'skipped'
) runs
ORDER BY partition, started_at, id
