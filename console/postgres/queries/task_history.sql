-- What each run decided about task $1, newest first: its assignments and
-- the runs that left it out.
-- A run's start that is ±infinity is returned as NULL.
SELECT r.id AS run, CASE WHEN isfinite(r.started_at) THEN r.started_at END AS started_at, true AS assigned,
       a.worker_id AS worker, a.cost_total, a.active,
       '' AS reason, '' AS detail
FROM paidan.assignment a JOIN paidan.run r ON r.id = a.run_id
WHERE a.task_id = $1
UNION ALL
SELECT r.id, CASE WHEN isfinite(r.started_at) THEN r.started_at END, false, '', 0, false, u.reason, u.detail
FROM paidan.unassigned u JOIN paidan.run r ON r.id = u.run_id
WHERE u.task_id = $1
ORDER BY 2 DESC NULLS LAST, 1 DESC
LIMIT 200
