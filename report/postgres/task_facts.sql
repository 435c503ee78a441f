-- The tasks created in the range, each with its first and last assignment,
-- how many it had, and the group of its latest assignment's worker ('' for
-- none; NULL when never assigned). latency_s is the dispatch latency:
-- created → first assigned, or, for a task never assigned and not
-- cancelled, how long it has waited by the end of the range (open). A task cancelled before any
-- assignment has none. This text is the common head of the task queries.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
tasks AS (
    SELECT t.id, t.partition, t.region, t.created_at, t.status, t.updated_at
    FROM p, paidan.task t
    WHERE t.created_at >= p.t0 AND t.created_at < p.t1 AND (p.part = '' OR t.partition = p.part)
),
f AS (
    SELECT a.task_id, min(a.created_at) AS first_at, max(a.created_at) AS last_at, count(*) AS n,
           (array_agg(coalesce(w.worker_group, '') ORDER BY a.created_at DESC, a.run_id DESC))[1] AS worker_group
    FROM paidan.assignment a JOIN tasks ON tasks.id = a.task_id
    LEFT JOIN paidan.worker w ON w.id = a.worker_id
    GROUP BY a.task_id
),
t AS (
    SELECT tasks.*, f.first_at, f.last_at, coalesce(f.n, 0) AS n, f.worker_group,
           extract(epoch FROM f.first_at - tasks.created_at)::float8 AS wait_s,
           CASE WHEN tasks.status = 'done' THEN extract(epoch FROM tasks.updated_at - f.last_at)::float8 END AS done_s,
           CASE WHEN f.n > 0 THEN extract(epoch FROM f.first_at - tasks.created_at)::float8
                WHEN tasks.status <> 'cancelled' THEN extract(epoch FROM least(p.t1, now()) - tasks.created_at)::float8
           END AS latency_s
    FROM p, tasks LEFT JOIN f ON f.task_id = tasks.id
)
