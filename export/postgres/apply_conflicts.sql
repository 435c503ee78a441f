-- The planned assignments that run $1 of partition $2 did not make, in task
-- order, each with the first reason that applies to it now. A task still
-- pending at the loaded version, for an available worker, lost to capacity.
SELECT p.task_id, p.worker_id,
       CASE
           WHEN t.id IS NULL OR t.partition <> $2 THEN 'task_gone'
           WHEN t.status = 'cancelled' THEN 'task_cancelled'
           WHEN t.status <> 'pending' OR t.version <> p.version THEN 'task_changed'
           WHEN w.id IS NULL OR NOT w.active OR w.partition <> $2 THEN 'worker_unavailable'
           ELSE 'worker_full'
       END AS outcome
FROM pg_temp.paidan_apply p
LEFT JOIN paidan.task t ON t.id = p.task_id
LEFT JOIN paidan.worker w ON w.id = p.worker_id
WHERE t.assigned_run IS DISTINCT FROM $1
ORDER BY p.task_id
