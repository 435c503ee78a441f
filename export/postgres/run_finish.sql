-- Finishes run $1 with status $2 and its figures. Matches no row unless the
-- run is still running.
UPDATE paidan.run
SET status = $2,
    finished_at = greatest(coalesce($3, clock_timestamp()), started_at),
    rules_hash = nullif($4, ''),
    input_hash = nullif($5, ''),
    objective = $6,
    objective_units = $7,
    dual_bound = $8,
    certificate = $9,
    kpis = $10,
    assigned = $11,
    conflicts = $12,
    error = nullif($13, '')
WHERE id = $1 AND status = 'running'
