-- Scheduled report $1.
SELECT id, period, range_from, range_to, status, started_at, finished_at, files, coalesce(error, '') AS error, dir
FROM paidan.report_run
WHERE id = $1
