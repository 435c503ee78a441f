-- Every run, in id order, for a snapshot; times as in snapshot_tasks.sql.
SELECT id, partition,
       CASE WHEN started_at BETWEEN $1 AND $2 THEN started_at END AS started_at,
       CASE WHEN started_at BETWEEN $1 AND $2 THEN NULL ELSE started_at::text END AS started_at_bad,
       CASE WHEN finished_at BETWEEN $1 AND $2 THEN finished_at END AS finished_at,
       CASE WHEN finished_at BETWEEN $1 AND $2 THEN NULL ELSE finished_at::text END AS finished_at_bad,
       status, rules_hash, input_hash, objective, objective_units, dual_bound, certificate,
       kpis::text AS kpis, assigned, conflicts, error
FROM paidan.run
ORDER BY id
