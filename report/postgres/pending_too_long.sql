-- Tasks pending now that had waited longer than the threshold by the end of
-- the range (whenever they were created).
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s)
SELECT t.id AS task_id, t.partition, t.region, t.created_at,
       extract(epoch FROM least(p.t1, now()) - t.created_at)::float8 AS waited_s
FROM p, paidan.task t
WHERE t.status = 'pending' AND (p.part = '' OR t.partition = p.part)
  AND t.created_at < least(p.t1, now()) - make_interval(secs => p.pending_s)
ORDER BY t.created_at, t.id
