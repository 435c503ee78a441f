-- The assignments of run $1 whose task or worker id matches LIKE pattern
-- $2 (NULL: all), in task order; $3 rows (NULL: all) from offset $4.
SELECT a.task_id, a.worker_id, coalesce(t.region, '') AS region, a.distance_km,
       a.cost_travel, a.cost_balance, a.cost_stability, a.cost_total, a.pinned, a.active
FROM paidan.assignment a
LEFT JOIN paidan.task t ON t.id = a.task_id
WHERE a.run_id = $1 AND ($2::text IS NULL OR a.task_id LIKE $2 OR a.worker_id LIKE $2)
ORDER BY a.task_id
LIMIT $3 OFFSET $4
