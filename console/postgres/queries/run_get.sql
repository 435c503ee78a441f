-- Run $1 with its figures.
-- A time that is ±infinity (possible in rows written before the checks
-- of migration 00010, or by hand) is returned as NULL, so that the row
-- still scans.
SELECT id, partition, status,
       CASE WHEN isfinite(started_at) THEN started_at END AS started_at,
       CASE WHEN isfinite(finished_at) THEN finished_at END AS finished_at,
       objective, certificate, assigned, conflicts,
       coalesce(error, '') AS error,
       coalesce((kpis -> 'overall' ->> 'unassigned')::integer, 0) AS left_out,
       kpis -> 'overall' -> 'unassigned_by_reason' AS by_reason,
       coalesce(rules_hash, '') AS rules_hash, coalesce(input_hash, '') AS input_hash, dual_bound, kpis
FROM paidan.run
WHERE id = $1
