-- Inserts the staged tasks; an id that is taken fails the statement.
INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker)
SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker
FROM seed_task
