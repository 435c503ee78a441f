-- Every run of the month (90% applied, 8% skipped, 2% failed, one every
-- 30 days / {runs} in turn over 4 partitions), and the applied runs that
-- have a successor in their partition, numbered m (the runs that first
-- assign a task).
CREATE TEMP TABLE gen_run AS
SELECT i AS idx, 'run-' || lpad(i::text, 6, '0') AS id, 'p' || (i % 4) AS partition,
       timestamptz '2026-11-01Z' + (i * interval '30 days' / {runs}) AS started_at,
       CASE WHEN i % 50 = 7 THEN 'failed' WHEN i % 12 = 5 THEN 'skipped' ELSE 'applied' END AS status
FROM generate_series(0, {runs} - 1) i;
ALTER TABLE gen_run ADD PRIMARY KEY (idx);

CREATE TEMP TABLE gen_first AS
SELECT row_number() OVER (ORDER BY idx) - 1 AS m, idx, prev_idx, next_idx FROM (
    SELECT idx, lag(idx) OVER w AS prev_idx, lead(idx) OVER w AS next_idx
    FROM gen_run WHERE status = 'applied'
    WINDOW w AS (PARTITION BY partition ORDER BY idx)
) a WHERE next_idx IS NOT NULL;
ALTER TABLE gen_first ADD PRIMARY KEY (m);
