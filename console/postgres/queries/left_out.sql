-- The tasks run $1 left out whose id matches LIKE pattern $2 (NULL: all),
-- by reason and task; $3 rows from offset $4.
SELECT task_id, reason, detail
FROM paidan.unassigned
WHERE run_id = $1 AND ($2::text IS NULL OR task_id LIKE $2)
ORDER BY reason, task_id
LIMIT $3 OFFSET $4
