-- Every run's assignment rows, current and archived, by run and task in
-- byte order.
SELECT run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, pinned
FROM (
    SELECT run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, pinned
    FROM paidan.assignment
    UNION ALL
    SELECT run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, pinned
    FROM paidan.assignment_archive
) a
ORDER BY run_id COLLATE "C", task_id COLLATE "C"
