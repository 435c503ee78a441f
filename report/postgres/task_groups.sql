-- The tasks created in the range, with each task's assignments from
-- paidan.task_rollup, grouped by region, partition, status and the group
-- of the worker of the latest assignment (NULL: never assigned): per group
-- the tasks' times as binary arrays (array_send: timestamptz is 8 bytes of
-- microseconds since 2000, NULL for none), in one order for every array of
-- a group, so that tasks.go reads task i of a group at index i of each:
-- created, first and (done tasks) last assignment and done time
-- (updated_at), the number of assignments (NULL: none), and the ids of the
-- tasks whose dispatch latency exceeds the target, in the same order. No
-- expression is computed per task but the breach test (integer
-- microseconds): tasks.go derives the periods, waits and latencies as
-- task_facts.sql does. $7 is the end of an open wait (the range's end, or
-- the transaction's time when earlier) and $8 the smallest latency, in
-- microseconds, that exceeds the target.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s, $7::timestamptz AS open_end,
                  $8::int8 * interval '1 microsecond' AS breach_after)
SELECT tk.region, tk.partition, tk.status, f.worker_group,
       array_send(array_agg(tk.created_at)) AS created_at,
       array_send(array_agg(f.first_at)) AS first_at,
       array_send(array_agg(f.last_at) FILTER (WHERE tk.status = 'done')) AS last_at,
       array_send(array_agg(tk.updated_at) FILTER (WHERE tk.status = 'done')) AS done_at,
       array_send(array_agg(f.assignments)) AS assignments,
       array_send(array_agg(tk.id) FILTER (
           WHERE (f.first_at IS NOT NULL OR tk.status <> 'cancelled')
             AND coalesce(f.first_at, p.open_end) - tk.created_at >= p.breach_after)) AS breach_ids
FROM p, paidan.task tk
LEFT JOIN paidan.task_rollup f ON f.task_id = tk.id
WHERE tk.created_at >= p.t0 AND tk.created_at < p.t1 AND (p.part = '' OR tk.partition = p.part)
GROUP BY tk.region, tk.partition, tk.status, f.worker_group
