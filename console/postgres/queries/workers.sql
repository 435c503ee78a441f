-- Workers in id order: partition $1 when not empty, id LIKE $2 (NULL: all);
-- $3 rows from offset $4. task_regions are the regions of the tasks each
-- worker holds now.
SELECT w.id, w.partition, w.regions, w.skills, w.capacity, w.load, w.active,
       coalesce((SELECT array_agg(DISTINCT t.region ORDER BY t.region)
                 FROM paidan.task t
                 WHERE t.assigned_worker = w.id AND t.status = 'assigned'), '{}') AS task_regions
FROM paidan.worker w
WHERE ($1 = '' OR w.partition = $1) AND ($2::text IS NULL OR w.id LIKE $2)
ORDER BY w.id
LIMIT $3 OFFSET $4
