-- Every run's unassigned rows, by run and task in byte order.
SELECT run_id, task_id, reason, detail
FROM paidan.unassigned
ORDER BY run_id COLLATE "C", task_id COLLATE "C"
