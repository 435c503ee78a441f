-- Every partition with pending tasks, active workers, runs or a pause:
-- its backlog (one pass over the pending tasks), its last run and whether
-- its schedule is paused. The oldest pending task is the oldest with a
-- finite created_at (rows older than the checks of migration 00010 may
-- hold ±infinity); a last run's start that is not finite is NULL.
WITH backlog AS (
    SELECT partition, count(*) AS pending, min(created_at) FILTER (WHERE isfinite(created_at)) AS oldest
    FROM paidan.task WHERE status = 'pending'
    GROUP BY partition
), names AS (
    SELECT partition FROM backlog
    UNION SELECT DISTINCT partition FROM paidan.worker WHERE active
    UNION SELECT DISTINCT partition FROM paidan.run
    UNION SELECT partition FROM paidan.partition_pause
)
SELECT n.partition AS name, coalesce(b.pending, 0) AS pending, b.oldest AS oldest_pending,
       coalesce(lr.id, '') AS last_run, coalesce(lr.status, '') AS last_status, CASE WHEN isfinite(lr.started_at) THEN lr.started_at END AS last_started_at,
       p.partition IS NOT NULL AS paused, coalesce(p.paused_by, '') AS paused_by, coalesce(p.note, '') AS pause_note
FROM names n
LEFT JOIN backlog b ON b.partition = n.partition
LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.started_at FROM paidan.run r
    WHERE r.partition = n.partition ORDER BY r.started_at DESC LIMIT 1
) lr ON true
LEFT JOIN paidan.partition_pause p ON p.partition = n.partition
ORDER BY n.partition
