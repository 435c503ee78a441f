-- The staged tasks whose id is taken already, with the partition and status
-- of the task that holds it, in id order; at most $1 of them.
SELECT s.id, t.partition, t.status
FROM seed_task s
JOIN paidan.task t ON t.id = s.id
ORDER BY s.id
LIMIT $1
