-- The assignments of run $1 whose task or worker id matches LIKE pattern
-- $2 (NULL: all), in task order from the first task id after $4 (NULL:
-- the first); $3 rows (NULL: all). A page is a range of the index on
-- (run_id, task_id), cut before the join with task.
SELECT p.task_id, p.worker_id, coalesce(t.region, '') AS region, p.distance_km,
       p.cost_travel, p.cost_balance, p.cost_stability, p.cost_total, p.pinned, p.active
FROM (
    SELECT a.task_id, a.worker_id, a.distance_km, a.cost_travel, a.cost_balance, a.cost_stability,
           a.cost_total, a.pinned, a.active
    FROM paidan.assignment a
    WHERE a.run_id = $1 AND ($2::text IS NULL OR a.task_id LIKE $2 OR a.worker_id LIKE $2)
      AND ($4::text IS NULL OR a.task_id > $4)
    ORDER BY a.task_id
    LIMIT $3
) p
LEFT JOIN paidan.task t ON t.id = p.task_id
ORDER BY p.task_id
