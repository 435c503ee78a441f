-- task_facts.sql over paidan.task_rollup (each task's first and last
-- assignment and how many it had). The tasks created in the range, each with its first and last assignment
-- and how many it had. latency_s is the dispatch latency: created → first
-- assigned, or, for a task never assigned and not cancelled, how long it has
-- waited by the end of the range (open). A task cancelled before any
-- assignment has none. This text is the common head of the task queries.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
tasks AS (
    SELECT t.id, t.partition, t.region, t.created_at, t.status, t.updated_at
    FROM p, paidan.task t
    WHERE t.created_at >= p.t0 AND t.created_at < p.t1 AND (p.part = '' OR t.partition = p.part)
),
f AS (
    SELECT a.task_id, a.first_at, a.last_at, a.assignments AS n
    FROM paidan.task_rollup a JOIN tasks ON tasks.id = a.task_id
),
t AS (
    SELECT tasks.*, f.first_at, f.last_at, coalesce(f.n, 0) AS n,
           extract(epoch FROM f.first_at - tasks.created_at)::float8 AS wait_s,
           CASE WHEN tasks.status = 'done' THEN extract(epoch FROM tasks.updated_at - f.last_at)::float8 END AS done_s,
           CASE WHEN f.n > 0 THEN extract(epoch FROM f.first_at - tasks.created_at)::float8
                WHEN tasks.status <> 'cancelled' THEN extract(epoch FROM least(p.t1, now()) - tasks.created_at)::float8
           END AS latency_s
    FROM p, tasks LEFT JOIN f ON f.task_id = tasks.id
)
