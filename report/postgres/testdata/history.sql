-- A hand-built history of two days, 2026-11-02 and 2026-11-03 (UTC), for
-- the report tests: every time is known, so every figure of the report can
-- be computed by hand (the expected values are written in the tests).
-- The triggers that stamp updated_at and maintain worker.load are off while
-- the history is written, so that it can say when each task was done or
-- cancelled; loads are set to what the triggers would keep.
ALTER TABLE paidan.task DISABLE TRIGGER USER;
ALTER TABLE paidan.worker DISABLE TRIGGER USER;
-- Reports made twice must see the same bytes on disk.
ALTER TABLE paidan.task SET (autovacuum_enabled = false);
ALTER TABLE paidan.worker SET (autovacuum_enabled = false);
ALTER TABLE paidan.run SET (autovacuum_enabled = false);
ALTER TABLE paidan.assignment SET (autovacuum_enabled = false);
ALTER TABLE paidan.unassigned SET (autovacuum_enabled = false);
ALTER TABLE paidan.run_usage SET (autovacuum_enabled = false);

INSERT INTO paidan.worker (id, partition, regions, capacity, load, active, lat, lon, worker_group) VALUES
    ('w1', 'north', '{A}', 2, 0, true, 0, 0, 'vans'),
    ('w2', 'north', '{B}', 4, 2, true, 0, 0, 'bikes'),
    ('w3', 'north', '{A}', 2, 0, true, 0, 0, 'vans'),
    ('w4', 'north', '{A}', 3, 0, false, 0, 0, 'vans'),
    ('w9', 'south', '{S}', 1, 1, true, 0, 0, '');

-- Cron "0 */6 * * *": north ran at 00:00, 06:00, 12:03 (late, skipped:
-- nothing to assign), was idle at 18:00 on day 1 (no row: a skipped run
-- is recorded once per change of state, so the 12:03 skip stands for it);
-- failed at 00:00, ran 06:00, 12:00, 18:00 on day 2. east's last run,
-- before the range, was skipped with nothing pending: idle all range.
INSERT INTO paidan.run (id, partition, started_at, finished_at, status, objective, objective_units, dual_bound, certificate, assigned, error) VALUES
    ('R1', 'north', '2026-11-02T00:00:10Z', '2026-11-02T00:00:20Z', 'applied', 107.0, 107000, 107000, 'verified', 2, NULL),
    ('R2', 'north', '2026-11-02T06:00:05Z', '2026-11-02T06:00:25Z', 'applied', 206.5, 206500, 206500, 'verified', 1, NULL),
    ('R3', 'north', '2026-11-02T12:03:00Z', '2026-11-02T12:03:01Z', 'skipped', 0, 0, 0, 'unchecked', 0, 'nothing to assign'),
    ('R4', 'north', '2026-11-03T00:00:20Z', '2026-11-03T00:00:25Z', 'failed', 0, 0, 0, 'unchecked', 0, 'connection refused'),
    ('R5', 'north', '2026-11-03T06:00:00Z', '2026-11-03T06:00:30Z', 'applied', 119.5, 119500, 119500, 'verified', 3, NULL),
    ('R6', 'north', '2026-11-03T12:00:30Z', '2026-11-03T12:00:32Z', 'skipped', 0, 0, 0, 'unchecked', 0, 'nothing to assign'),
    ('R8', 'south', '2026-11-02T00:00:40Z', '2026-11-02T00:00:44Z', 'applied', 5.5, 5500, 5500, 'verified', 1, NULL),
    -- Outside the range: never counted.
    ('R0', 'north', '2026-11-01T18:00:00Z', '2026-11-01T18:00:01Z', 'skipped', 0, 0, 0, 'unchecked', 0, 'nothing pending'),
    ('E0', 'east', '2026-11-01T23:00:00Z', '2026-11-01T23:00:01Z', 'skipped', 0, 0, 0, 'unchecked', 0, 'nothing pending');

-- R7 planned t7 (3.5) and t8 (4.5), left t5 out (100): objective 108. The
-- write-back refused t8 (cancelled at 10:30); only t7 was written. Its KPIs
-- are the plan's: 2 assigned at a mean cost of 4.
INSERT INTO paidan.run (id, partition, started_at, finished_at, status, objective, objective_units, dual_bound, certificate, assigned, conflicts, kpis) VALUES
    ('R7', 'north', '2026-11-03T18:00:00Z', '2026-11-03T18:00:40Z', 'applied', 108.0, 108000, 108000, 'verified', 1, 1,
     '{"overall": {"tasks": 3, "workers": 4, "assigned": 2, "unassigned": 1, "total_cost": 108, "mean_cost": 4}, "by_region": []}');

INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages) VALUES
    ('R1', 1.5, 104857600, '{"load": 1, "plan": 2}'),
    ('R2', 2.5, 209715200, '{"load": 3, "plan": 4}');

INSERT INTO paidan.task (id, partition, region, lat, lon, created_at, status, assigned_worker, assigned_run, previous_worker, updated_at) VALUES
    ('t0', 'north', 'A', 0, 0, '2026-11-01T12:00:00Z', 'pending',   NULL, NULL, NULL, '2026-11-01T12:00:00Z'),
    ('t1', 'north', 'A', 0, 0, '2026-11-02T00:00:00Z', 'done',      'w1', 'R1', NULL, '2026-11-02T01:05:00Z'),
    ('t2', 'north', 'A', 0, 0, '2026-11-02T00:00:00Z', 'cancelled', NULL, NULL, NULL, '2026-11-02T02:00:00Z'),
    ('t3', 'north', 'B', 0, 0, '2026-11-02T00:00:00Z', 'assigned',  'w2', 'R5', NULL, '2026-11-03T06:05:00Z'),
    ('t4', 'north', 'B', 0, 0, '2026-11-02T05:00:00Z', 'done',      'w2', 'R5', 'w2', '2026-11-03T07:05:00Z'),
    ('t5', 'north', 'A', 0, 0, '2026-11-02T05:30:00Z', 'pending',   NULL, NULL, NULL, '2026-11-02T05:30:00Z'),
    ('t6', 'north', 'A', 0, 0, '2026-11-03T05:00:00Z', 'done',      'w1', 'R5', NULL, '2026-11-03T06:35:00Z'),
    ('t7', 'north', 'B', 0, 0, '2026-11-03T17:55:00Z', 'assigned',  'w2', 'R7', NULL, '2026-11-03T18:05:00Z'),
    ('t8', 'north', 'A', 0, 0, '2026-11-03T10:00:00Z', 'cancelled', NULL, NULL, NULL, '2026-11-03T10:30:00Z'),
    ('s1', 'south', 'S', 0, 0, '2026-11-02T00:00:00Z', 'assigned',  'w9', 'R8', NULL, '2026-11-02T00:01:00Z');

-- Costs: travel = distance, balance 0.5 each, stability 1 for t4's
-- reassignment to its previous worker; objective = costs + 100 per task
-- left out.
INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active, created_at) VALUES
    ('R1', 't1', 'w1', 2.0, 2.0, 0.5, 0, false, '2026-11-02T00:05:00Z'),
    ('R1', 't2', 'w3', 4.0, 4.0, 0.5, 0, false, '2026-11-02T00:05:00Z'),
    ('R2', 't4', 'w2', 6.0, 6.0, 0.5, 0, false, '2026-11-02T06:05:00Z'),
    ('R5', 't3', 'w2', 10.0, 10.0, 0.5, 0, true, '2026-11-03T06:05:00Z'),
    ('R5', 't4', 'w2', 6.0, 6.0, 0.5, 1, false, '2026-11-03T06:05:00Z'),
    ('R5', 't6', 'w1', 1.0, 1.0, 0.5, 0, false, '2026-11-03T06:05:00Z'),
    ('R7', 't7', 'w2', 3.0, 3.0, 0.5, 0, true, '2026-11-03T18:05:00Z'),
    ('R8', 's1', 'w9', 5.0, 5.0, 0.5, 0, true, '2026-11-02T00:01:00Z');

INSERT INTO paidan.unassigned (run_id, task_id, reason, created_at) VALUES
    ('R1', 't3', 'no_skill',     '2026-11-02T00:05:00Z'),
    ('R2', 't3', 'no_skill',     '2026-11-02T06:05:00Z'),
    ('R2', 't5', 'no_capacity',  '2026-11-02T06:05:00Z'),
    ('R5', 't5', 'out_of_range', '2026-11-03T06:05:00Z'),
    ('R7', 't5', 'out_of_range', '2026-11-03T18:05:00Z');

ALTER TABLE paidan.task ENABLE TRIGGER USER;
ALTER TABLE paidan.worker ENABLE TRIGGER USER;
ANALYZE paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned, paidan.run_usage;
