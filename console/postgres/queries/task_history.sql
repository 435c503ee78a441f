-- What each run decided about task $1, newest first: its assignments and
-- the runs that left it out.
SELECT r.id AS run, r.started_at, true AS assigned, a.worker_id AS worker, a.cost_total, a.active,
       '' AS reason, '' AS detail
FROM paidan.assignment a JOIN paidan.run r ON r.id = a.run_id
WHERE a.task_id = $1
UNION ALL
SELECT r.id, r.started_at, false, '', 0, false, u.reason, u.detail
FROM paidan.unassigned u JOIN paidan.run r ON r.id = u.run_id
WHERE u.task_id = $1
ORDER BY started_at DESC, run DESC
LIMIT 200
