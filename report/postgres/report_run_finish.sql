-- Finishes report run $1: 'done' with $2 files, or 'failed' with error $3.
UPDATE paidan.report_run
SET finished_at = now(), status = CASE WHEN $3::text IS NULL THEN 'done' ELSE 'failed' END,
    files = $2, error = $3
WHERE id = $1 AND status = 'running'
