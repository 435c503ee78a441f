-- Inserts the staged tasks whose id is free and leaves the others alone
-- (--on-conflict skip).
INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker)
SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker
FROM seed_task
ON CONFLICT (id) DO NOTHING
