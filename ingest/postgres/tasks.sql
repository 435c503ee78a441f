-- The pending tasks of one partition ($1), in id order.
SELECT id, region, skills, priority, lat, lon, created_at, due_at,
       pinned_worker, previous_worker, version
FROM paidan.task
WHERE partition = $1 AND status = 'pending'
ORDER BY id
