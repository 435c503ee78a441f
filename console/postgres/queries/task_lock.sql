-- Task $1's columns, locked for a change.
-- A time that is ±infinity (possible in rows written before the checks
-- of migration 00010, or by hand) is returned as NULL, so that the row
-- still scans.
SELECT id, partition, region, skills, priority, lat, lon,
       CASE WHEN isfinite(created_at) THEN created_at END AS created_at,
       CASE WHEN isfinite(due_at) THEN due_at END AS due_at,
       coalesce(pinned_worker, '') AS pinned_worker, coalesce(previous_worker, '') AS previous_worker,
       status, coalesce(assigned_worker, '') AS assigned_worker, coalesce(assigned_run, '') AS assigned_run,
       version, CASE WHEN isfinite(updated_at) THEN updated_at END AS updated_at
FROM paidan.task
WHERE id = $1
FOR UPDATE
