-- Run $1 with its figures.
SELECT id, partition, status, started_at, finished_at, objective, certificate, assigned, conflicts,
       coalesce(error, '') AS error,
       coalesce((kpis -> 'overall' ->> 'unassigned')::integer, 0) AS left_out,
       kpis -> 'overall' -> 'unassigned_by_reason' AS by_reason,
       coalesce(rules_hash, '') AS rules_hash, coalesce(input_hash, '') AS input_hash, dual_bound, kpis
FROM paidan.run
WHERE id = $1
