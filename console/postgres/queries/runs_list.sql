-- Runs, newest first: partition $1 and status $2 when not empty, started
-- on the day from $3 when it is not NULL; $4 rows from offset $5.
-- A time that is ±infinity (possible in rows written before the checks
-- of migration 00010, or by hand) is returned as NULL, so that the row
-- still scans.
SELECT id, partition, status,
       CASE WHEN isfinite(started_at) THEN started_at END AS started_at,
       CASE WHEN isfinite(finished_at) THEN finished_at END AS finished_at,
       objective, certificate, assigned, conflicts,
       coalesce(error, '') AS error,
       coalesce((kpis -> 'overall' ->> 'unassigned')::integer, 0) AS left_out,
       kpis -> 'overall' -> 'unassigned_by_reason' AS by_reason
FROM paidan.run
WHERE ($1 = '' OR partition = $1) AND ($2 = '' OR status = $2)
  AND ($3::timestamptz IS NULL OR (started_at >= $3::timestamptz AND started_at < $3::timestamptz + interval '1 day'))
ORDER BY run.started_at DESC, run.id DESC
LIMIT $4 OFFSET $5
