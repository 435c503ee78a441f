-- Inserts the staged tasks and overwrites the business columns of those
-- whose id is taken by a pending task, moving them into the seeded partition
-- (--on-conflict update). A task that is assigned, done or cancelled is left
-- alone: its row is not returned. Returns one row per task written:
-- inserted is false for an update.
INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker)
SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker
FROM seed_task
ON CONFLICT (id) DO UPDATE SET partition = EXCLUDED.partition, region = EXCLUDED.region,
    skills = EXCLUDED.skills, priority = EXCLUDED.priority, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
    created_at = EXCLUDED.created_at, due_at = EXCLUDED.due_at,
    pinned_worker = EXCLUDED.pinned_worker, previous_worker = EXCLUDED.previous_worker
WHERE paidan.task.status = 'pending'
RETURNING xmax = 0 AS inserted
