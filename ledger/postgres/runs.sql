-- Every finished run's figures, as the ledger covers them.
SELECT id, partition, started_at, finished_at, status, rules_hash, input_hash,
       objective, objective_units, dual_bound, certificate, kpis::text, assigned,
       conflicts, error
FROM paidan.run
WHERE status <> 'running'
