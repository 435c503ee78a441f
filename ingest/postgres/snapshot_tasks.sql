-- Every task, in id order, for a snapshot. A time outside [$1, $2] (the
-- domain's range) is returned as NULL with its text in the *_bad column.
SELECT id, partition, region, skills, priority, lat, lon,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN created_at END AS created_at,
       CASE WHEN created_at BETWEEN $1 AND $2 THEN NULL ELSE created_at::text END AS created_at_bad,
       CASE WHEN due_at BETWEEN $1 AND $2 THEN due_at END AS due_at,
       CASE WHEN due_at BETWEEN $1 AND $2 THEN NULL ELSE due_at::text END AS due_at_bad,
       pinned_worker, previous_worker, status, assigned_worker, assigned_run, version,
       CASE WHEN updated_at BETWEEN $1 AND $2 THEN updated_at END AS updated_at,
       CASE WHEN updated_at BETWEEN $1 AND $2 THEN NULL ELSE updated_at::text END AS updated_at_bad
FROM paidan.task
ORDER BY id
