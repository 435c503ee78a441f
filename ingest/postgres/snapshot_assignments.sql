-- Every assignment, in primary key order, for a snapshot; times as in
-- snapshot_tasks.sql.
SELECT run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability,
       cost_total, pinned, active,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN created_at END AS created_at,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN NULL ELSE created_at::text END AS created_at_bad
FROM paidan.assignment
ORDER BY run_id, task_id
