-- Every unassigned decision, in primary key order, for a snapshot; times as
-- in snapshot_tasks.sql.
SELECT run_id, task_id, reason, detail,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN created_at END AS created_at,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN NULL ELSE created_at::text END AS created_at_bad
FROM paidan.unassigned
ORDER BY run_id, task_id
