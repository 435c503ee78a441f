-- Assigns the planned tasks for run $1 of partition $2 and records the
-- assignments made, in one statement. A task is assigned only if it is still
-- a pending task of the partition at the version the batch loaded (rechecked
-- on the locked row), and only within its worker's remaining capacity: an
-- active worker of the partition has capacity - load left (the workers are
-- locked); when the plan asks for more, the tasks of higher priority, then
-- lower cost, then lower id win. The UPDATE joins the temporary table on the
-- task's primary key; its RETURNING rows feed the INSERT, so no row is
-- written twice.
WITH room AS (
    SELECT w.id,
           CASE WHEN w.active AND w.partition = $2 THEN greatest(w.capacity - w.load, 0) ELSE -1 END AS free
    FROM paidan.worker w
    WHERE w.id IN (SELECT worker_id FROM pg_temp.paidan_apply)
), candidate AS (
    SELECT p.task_id, p.worker_id, p.version, p.priority,
           p.cost_travel + p.cost_balance + p.cost_stability AS cost
    FROM pg_temp.paidan_apply p
    JOIN paidan.task t ON t.id = p.task_id
    WHERE t.partition = $2 AND t.status = 'pending' AND t.version = p.version
), short AS (
    -- The workers the plan asks more of than they have left; only their
    -- tasks are ranked (a sort), the others all fit.
    SELECT r.id
    FROM room r
    JOIN (SELECT worker_id, count(*) AS n FROM candidate GROUP BY worker_id) c ON c.worker_id = r.id
    WHERE c.n > r.free
), ranked AS (
    SELECT c.task_id,
           row_number() OVER (PARTITION BY c.worker_id ORDER BY c.priority DESC, c.cost, c.task_id) AS n
    FROM candidate c
    WHERE c.worker_id IN (SELECT id FROM short)
), assigned AS (
    UPDATE paidan.task t
    SET status = 'assigned', assigned_worker = c.worker_id, assigned_run = $1
    FROM candidate c
    JOIN room r ON r.id = c.worker_id
    LEFT JOIN ranked k ON k.task_id = c.task_id
    WHERE t.id = c.task_id AND (k.n IS NULL OR k.n <= r.free)
      AND t.status = 'pending' AND t.version = c.version
    RETURNING t.id
)
INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
    cost_travel, cost_balance, cost_stability, pinned, active)
SELECT $1, p.task_id, p.worker_id, p.distance_km, p.cost_travel, p.cost_balance,
       p.cost_stability, p.pinned, true
FROM assigned a
JOIN pg_temp.paidan_apply p ON p.task_id = a.id
