-- Every violation of the dispatch invariants, as (invariant, key) pairs;
-- empty when the data is sound. At most 50 rows.
WITH held AS (
    SELECT assigned_worker AS worker_id, count(*) AS n
    FROM paidan.task
    WHERE status = 'assigned'
    GROUP BY assigned_worker
), active AS (
    SELECT task_id, count(*) AS n
    FROM paidan.assignment
    WHERE active
    GROUP BY task_id
)
(
    SELECT 'worker load differs from its assigned tasks' AS invariant, w.id AS key
    FROM paidan.worker w LEFT JOIN held h ON h.worker_id = w.id
    WHERE w.load <> coalesce(h.n, 0)
    UNION ALL
    SELECT 'worker holds more assigned tasks than its capacity', w.id
    FROM paidan.worker w JOIN held h ON h.worker_id = w.id
    WHERE h.n > w.capacity
    UNION ALL
    SELECT 'assigned task without exactly one active assignment', t.id
    FROM paidan.task t LEFT JOIN active a ON a.task_id = t.id
    WHERE t.status = 'assigned' AND coalesce(a.n, 0) <> 1
    UNION ALL
    SELECT 'active assignment disagrees with its task', a.run_id || '/' || a.task_id
    FROM paidan.assignment a JOIN paidan.task t ON t.id = a.task_id
    WHERE a.active AND (t.status <> 'assigned' OR t.assigned_worker <> a.worker_id OR t.assigned_run <> a.run_id)
    UNION ALL
    SELECT 'assignment of a run that is not applied', a.run_id || '/' || a.task_id
    FROM paidan.assignment a JOIN paidan.run r ON r.id = a.run_id
    WHERE r.status <> 'applied'
    UNION ALL
    SELECT 'applied run whose assigned count differs from its assignments', r.id
    FROM paidan.run r
    LEFT JOIN (SELECT run_id, count(*) AS n FROM paidan.assignment GROUP BY run_id) a ON a.run_id = r.id
    WHERE r.status = 'applied' AND r.assigned <> coalesce(a.n, 0)
    UNION ALL
    SELECT 'task assigned by a run that is not applied', t.id
    FROM paidan.task t LEFT JOIN paidan.run r ON r.id = t.assigned_run
    WHERE t.assigned_run IS NOT NULL AND (r.id IS NULL OR r.status <> 'applied')
    UNION ALL
    SELECT 'unassigned row of a run that is not applied', u.run_id || '/' || u.task_id
    FROM paidan.unassigned u JOIN paidan.run r ON r.id = u.run_id
    WHERE r.status <> 'applied'
    UNION ALL
    SELECT 'task both assigned and unassigned by one run', u.run_id || '/' || u.task_id
    FROM paidan.unassigned u JOIN paidan.assignment a ON a.run_id = u.run_id AND a.task_id = u.task_id
)
ORDER BY invariant, key
LIMIT 50
