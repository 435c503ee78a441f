-- One run by id.
SELECT id, partition, status, started_at, finished_at, rules_hash, input_hash,
       objective, objective_units, dual_bound, certificate, kpis, assigned,
       conflicts, error
FROM paidan.run
WHERE id = $1
