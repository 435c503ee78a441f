-- Durations in seconds of the finished runs started in the range: the whole
-- run ("run") and each stage recorded in paidan.run_usage.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
r AS (
    SELECT r.id, r.started_at, r.finished_at FROM paidan.run r, p
    WHERE r.finished_at IS NOT NULL AND r.started_at >= p.t0 AND r.started_at < p.t1
      AND (p.part = '' OR r.partition = p.part)
),
s AS (
    SELECT 'run' AS stage, extract(epoch FROM r.finished_at - r.started_at)::float8 AS secs FROM r
    UNION ALL
    SELECT e.key, e.value::float8 FROM r JOIN paidan.run_usage u ON u.run_id = r.id,
        jsonb_each_text(u.stages) e
)
SELECT stage, count(*) AS runs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY secs) AS p90_s,
       max(secs) AS max_s
FROM s
GROUP BY stage
ORDER BY stage
