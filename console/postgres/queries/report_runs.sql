-- The latest $1 scheduled reports, newest first.
SELECT id, period, range_from, range_to, status, started_at, finished_at, files, coalesce(error, '') AS error, dir
FROM paidan.report_run
ORDER BY started_at DESC, id DESC
LIMIT $1
