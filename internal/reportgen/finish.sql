-- Every worker's load is the number of its assigned tasks, within its
-- capacity; the triggers are on again; planner statistics.
UPDATE paidan.worker w SET load = h.n, capacity = greatest(w.capacity, h.n)
FROM (SELECT assigned_worker, count(*)::int AS n FROM paidan.task WHERE status = 'assigned' GROUP BY 1) h
WHERE h.assigned_worker = w.id;
ALTER TABLE paidan.task ENABLE TRIGGER USER;
ALTER TABLE paidan.worker ENABLE TRIGGER USER;
ALTER TABLE paidan.assignment ENABLE TRIGGER USER;
ALTER TABLE paidan.unassigned ENABLE TRIGGER USER;
DROP TABLE gen_task, gen_first, gen_run;
