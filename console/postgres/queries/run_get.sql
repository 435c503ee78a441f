-- Run $1 with its figures, its usage (paidan.run_usage; NULL when it
-- recorded none) and the partition's previous run that recorded a rules
-- hash (as the trigger run_rules_change compares them).
-- A time that is ±infinity (possible in rows written before the checks
-- of migration 00010, or by hand) is returned as NULL, so that the row
-- still scans.
SELECT run.id, run.partition, run.status,
       CASE WHEN isfinite(run.started_at) THEN run.started_at END AS started_at,
       CASE WHEN isfinite(run.finished_at) THEN run.finished_at END AS finished_at,
       run.objective, run.certificate, run.assigned, run.conflicts,
       coalesce(run.error, '') AS error,
       coalesce((run.kpis -> 'overall' ->> 'unassigned')::integer, 0) AS left_out,
       run.kpis -> 'overall' -> 'unassigned_by_reason' AS by_reason,
       coalesce(run.rules_hash, '') AS rules_hash, coalesce(run.input_hash, '') AS input_hash, run.dual_bound, run.kpis,
       coalesce(prev.id, '') AS previous_run, coalesce(prev.rules_hash, '') AS previous_rules_hash,
       u.cpu_seconds, coalesce(u.peak_memory_bytes, 0) AS peak_memory_bytes, u.stages
FROM paidan.run
LEFT JOIN paidan.run_usage u ON u.run_id = run.id
LEFT JOIN LATERAL (
    SELECT r.id, r.rules_hash FROM paidan.run r
    WHERE r.partition = run.partition AND r.id <> run.id AND r.rules_hash IS NOT NULL
      AND r.started_at <= run.started_at
    ORDER BY r.started_at DESC, r.id DESC LIMIT 1
) prev ON true
WHERE run.id = $1
