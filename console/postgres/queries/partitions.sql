-- Every partition with pending tasks, active workers, runs or a pause:
-- its backlog (paidan.partition_backlog, the schema's one definition: one
-- pass over the pending tasks; the oldest pending task is the oldest with
-- a finite created_at), its last run, whether its schedule is paused, the
-- soonest next cycle a scheduler of it recorded, and its open run request.
-- A last run's start that is not finite is NULL.
WITH backlog AS (
    SELECT partition, pending, oldest_pending AS oldest FROM paidan.partition_backlog
), names AS (
    SELECT partition FROM backlog
    UNION SELECT DISTINCT partition FROM paidan.worker WHERE active
    UNION SELECT DISTINCT partition FROM paidan.run
    UNION SELECT partition FROM paidan.partition_pause
)
SELECT n.partition AS name, coalesce(b.pending, 0) AS pending, b.oldest AS oldest_pending,
       coalesce(lr.id, '') AS last_run, coalesce(lr.status, '') AS last_status, CASE WHEN isfinite(lr.started_at) THEN lr.started_at END AS last_started_at,
       p.partition IS NOT NULL AS paused, coalesce(p.paused_by, '') AS paused_by, coalesce(p.note, '') AS pause_note,
       nx.next_at AS next_run_at, coalesce(nx.scheduler, '') AS next_run_by,
       coalesce(rq.requested_by, '') AS run_requested_by, rq.requested_at AS run_requested_at
FROM names n
LEFT JOIN backlog b ON b.partition = n.partition
LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.started_at FROM paidan.run r
    WHERE r.partition = n.partition ORDER BY r.started_at DESC LIMIT 1
) lr ON true
LEFT JOIN paidan.partition_pause p ON p.partition = n.partition
LEFT JOIN LATERAL (
    SELECT h.next_at, h.scheduler FROM paidan.scheduler_heartbeat h
    WHERE cardinality(h.partitions) = 0 OR n.partition = ANY (h.partitions)
    ORDER BY h.next_at LIMIT 1
) nx ON true
LEFT JOIN paidan.run_request rq ON rq.partition = n.partition AND rq.claimed_at IS NULL
ORDER BY n.partition
