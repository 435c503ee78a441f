-- Every partition with pending tasks, active workers, runs or a pause:
-- its backlog, its last run and whether its schedule is paused.
WITH names AS (
    SELECT DISTINCT partition FROM paidan.task WHERE status = 'pending'
    UNION SELECT DISTINCT partition FROM paidan.worker WHERE active
    UNION SELECT DISTINCT partition FROM paidan.run
    UNION SELECT partition FROM paidan.partition_pause
)
SELECT n.partition AS name, b.pending, b.oldest AS oldest_pending,
       coalesce(lr.id, '') AS last_run, coalesce(lr.status, '') AS last_status, lr.started_at AS last_started_at,
       p.partition IS NOT NULL AS paused, coalesce(p.paused_by, '') AS paused_by, coalesce(p.note, '') AS pause_note
FROM names n
CROSS JOIN LATERAL (
    SELECT count(*) AS pending, min(t.created_at) AS oldest
    FROM paidan.task t WHERE t.partition = n.partition AND t.status = 'pending'
) b
LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.started_at FROM paidan.run r
    WHERE r.partition = n.partition ORDER BY r.started_at DESC LIMIT 1
) lr ON true
LEFT JOIN paidan.partition_pause p ON p.partition = n.partition
ORDER BY n.partition
