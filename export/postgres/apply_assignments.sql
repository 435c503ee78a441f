-- Records the assignments of run $1 that apply_tasks.sql made.
INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km,
    cost_travel, cost_balance, cost_stability, pinned, active)
SELECT $1, task_id, worker_id, distance_km, cost_travel, cost_balance,
       cost_stability, pinned, true
FROM pg_temp.paidan_apply
WHERE outcome = 'assigned'
