-- Task $1's columns, locked for a change.
SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at,
       coalesce(pinned_worker, '') AS pinned_worker, coalesce(previous_worker, '') AS previous_worker,
       status, coalesce(assigned_worker, '') AS assigned_worker, coalesce(assigned_run, '') AS assigned_run,
       version, updated_at
FROM paidan.task
WHERE id = $1
FOR UPDATE
