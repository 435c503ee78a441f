-- The planned assignments the write-back refused, in task order.
SELECT task_id, worker_id, outcome
FROM pg_temp.paidan_apply
WHERE outcome <> 'assigned'
ORDER BY task_id
