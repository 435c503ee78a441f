-- Assigns the planned tasks for run $1 of partition $2 and records each
-- planned assignment's outcome. A task is assigned only if it is still a
-- pending task of the partition at the version the batch loaded (rechecked on
-- the locked row), and only within its worker's remaining capacity: an active
-- worker of the partition has capacity - load left (the workers are locked);
-- when the plan asks for more, the tasks of higher priority, then lower
-- cost, then lower id win.
WITH room AS (
    SELECT w.id,
           CASE WHEN w.active AND w.partition = $2 THEN greatest(w.capacity - w.load, 0) ELSE -1 END AS free
    FROM paidan.worker w
    WHERE w.id IN (SELECT worker_id FROM pg_temp.paidan_apply)
), candidate AS (
    SELECT p.task_id, p.worker_id, p.version,
           row_number() OVER (PARTITION BY p.worker_id
                              ORDER BY p.priority DESC, p.cost_travel + p.cost_balance + p.cost_stability, p.task_id) AS n
    FROM pg_temp.paidan_apply p
    JOIN paidan.task t ON t.id = p.task_id
    WHERE t.partition = $2 AND t.status = 'pending' AND t.version = p.version
), assigned AS (
    UPDATE paidan.task t
    SET status = 'assigned', assigned_worker = c.worker_id, assigned_run = $1
    FROM candidate c
    JOIN room r ON r.id = c.worker_id
    WHERE t.id = c.task_id AND c.n <= r.free
      AND t.status = 'pending' AND t.version = c.version
    RETURNING t.id
), outcome AS (
    SELECT p.task_id,
           CASE
               WHEN a.id IS NOT NULL THEN 'assigned'
               WHEN t.id IS NULL OR t.partition <> $2 THEN 'task_gone'
               WHEN t.status = 'cancelled' THEN 'task_cancelled'
               WHEN t.status <> 'pending' OR t.version <> p.version THEN 'task_changed'
               WHEN r.id IS NULL OR r.free < 0 THEN 'worker_unavailable'
               -- room was left, so the task changed after this statement began
               WHEN c.n <= r.free THEN 'task_changed'
               ELSE 'worker_full'
           END AS outcome
    FROM pg_temp.paidan_apply p
    LEFT JOIN assigned a ON a.id = p.task_id
    LEFT JOIN paidan.task t ON t.id = p.task_id
    LEFT JOIN room r ON r.id = p.worker_id
    LEFT JOIN candidate c ON c.task_id = p.task_id
)
UPDATE pg_temp.paidan_apply p
SET outcome = o.outcome
FROM outcome o
WHERE p.task_id = o.task_id
