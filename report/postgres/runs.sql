-- Runs started in the range, per period and partition, by status.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT date_trunc(p.period, r.started_at, 'UTC') AS period_start, r.partition,
       count(*) FILTER (WHERE r.status = 'applied') AS applied,
       count(*) FILTER (WHERE r.status = 'skipped') AS skipped,
       count(*) FILTER (WHERE r.status = 'failed')  AS failed,
       count(*) FILTER (WHERE r.status = 'running') AS running
FROM paidan.run r, p
WHERE r.started_at >= p.t0 AND r.started_at < p.t1 AND (p.part = '' OR r.partition = p.part)
GROUP BY 1, 2
ORDER BY 1, 2
