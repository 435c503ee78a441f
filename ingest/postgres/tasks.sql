-- The pending tasks of one partition ($1), in id order. A time outside the
-- domain's range [$2, $3] (paidan.MinTime, paidan.MaxTime: ±infinity, year
-- 1, year 294276) is returned as NULL, with its text in the *_bad column, so
-- that the row scans and the loader can skip it with its value as reason.
SELECT id, region, skills, priority, lat, lon,
       CASE WHEN created_at BETWEEN $2 AND $3 THEN created_at END AS created_at,
       CASE WHEN created_at BETWEEN $2 AND $3 THEN NULL ELSE created_at::text END AS created_at_bad,
       CASE WHEN due_at BETWEEN $2 AND $3 THEN due_at END AS due_at,
       CASE WHEN due_at BETWEEN $2 AND $3 THEN NULL ELSE due_at::text END AS due_at_bad,
       pinned_worker, previous_worker, version
FROM paidan.task
WHERE partition = $1 AND status = 'pending'
ORDER BY id
