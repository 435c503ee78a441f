-- The plan of a generated month, in temporary tables of the generating
-- session: every run (gen_run), and every task with the runs that left it
-- out (r0, a tenth of the tasks), assigned it (r1) and reassigned it (r2,
-- the next applied run of the same partition). Tasks are spread evenly
-- over the applied runs that have a successor in their partition, in id
-- order, so that ids grow with time as a scheduler's would.
-- {runs}, {tasks} and {firsts} are replaced by integers before it runs.
ALTER TABLE paidan.task DISABLE TRIGGER USER;
ALTER TABLE paidan.worker DISABLE TRIGGER USER;
ALTER TABLE paidan.assignment DISABLE TRIGGER USER;
ALTER TABLE paidan.unassigned DISABLE TRIGGER USER;

INSERT INTO paidan.worker (id, partition, regions, capacity, load, lat, lon, worker_group)
SELECT 'w-' || lpad(i::text, 4, '0'), 'p' || (i % 4), ARRAY['r' || (i % 16)], 100, 0, 0, 0,
       CASE WHEN i % 7 = 0 THEN '' ELSE 'team-' || chr(97 + i % 6) END
FROM generate_series(0, 999) i;

CREATE TEMP TABLE gen_task AS
SELECT i, 'p' || (f.idx % 4) AS partition, f.prev_idx AS r0, f.idx AS r1, f.next_idx AS r2,
       r0.started_at AS at0, r1.started_at AS at1, r2.started_at AS at2,
       'w-' || lpad(((i % 250) * 4 + f.idx % 4)::text, 4, '0') AS w1,
       'w-' || lpad((((i + 7) % 250) * 4 + f.idx % 4)::text, 4, '0') AS w2,
       CASE WHEN i % 10 = 1 THEN 'cancelled'
            WHEN i::bigint * 100 >= {tasks}::bigint * 99 THEN 'assigned'
            ELSE 'done' END AS status
FROM generate_series(0, {tasks} - 1) i
JOIN gen_first f ON f.m = i::bigint * {firsts} / {tasks}
JOIN gen_run r1 ON r1.idx = f.idx
JOIN gen_run r2 ON r2.idx = f.next_idx
LEFT JOIN gen_run r0 ON r0.idx = f.prev_idx AND i % 10 = 3
ORDER BY i;
CREATE INDEX ON gen_task (r1);
CREATE INDEX ON gen_task (r2);
CREATE INDEX ON gen_task (r0) WHERE at0 IS NOT NULL;
ANALYZE gen_task;
