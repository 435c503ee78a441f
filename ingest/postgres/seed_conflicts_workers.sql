-- The staged workers whose id is taken already, with the partition that
-- holds it, in id order; at most $1 of them.
SELECT s.id, w.partition
FROM seed_worker s
JOIN paidan.worker w ON w.id = s.id
ORDER BY s.id
LIMIT $1
