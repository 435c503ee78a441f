-- The tasks created in the range, one row each, for the task tables
-- computed in Go (tasks.go): the same facts as task_facts_rollup.sql, read
-- in one pass. wait_s: created → first assigned; done_s: last assigned →
-- done; latency_s: the dispatch latency (see task_facts.sql). A task over
-- the latency target carries its id, partition, creation and first
-- assignment for the breach list; the others leave them empty.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
t AS (
    SELECT tk.id, tk.partition, tk.region, tk.created_at, tk.status, f.first_at,
           coalesce(f.assignments, 0) AS n,
           extract(epoch FROM f.first_at - tk.created_at)::float8 AS wait_s,
           CASE WHEN tk.status = 'done' THEN extract(epoch FROM tk.updated_at - f.last_at)::float8 END AS done_s,
           CASE WHEN f.assignments > 0 THEN extract(epoch FROM f.first_at - tk.created_at)::float8
                WHEN tk.status <> 'cancelled' THEN extract(epoch FROM least(p.t1, now()) - tk.created_at)::float8
           END AS latency_s
    FROM p, paidan.task tk
    LEFT JOIN paidan.task_rollup f ON f.task_id = tk.id
    WHERE tk.created_at >= p.t0 AND tk.created_at < p.t1 AND (p.part = '' OR tk.partition = p.part)
)
SELECT date_trunc(p.period, t.created_at, 'UTC') AS period_start, t.region, t.status, t.n,
       t.wait_s, t.done_s, t.latency_s,
       CASE WHEN t.latency_s > p.target_s THEN t.id END AS breach_id,
       CASE WHEN t.latency_s > p.target_s THEN t.partition END AS breach_partition,
       CASE WHEN t.latency_s > p.target_s THEN t.created_at END AS breach_created_at,
       CASE WHEN t.latency_s > p.target_s THEN t.first_at END AS breach_first_at
FROM p, t
