COPY pg_temp.paidan_apply (task_id, worker_id, version, priority, distance_km,
    cost_travel, cost_balance, cost_stability, pinned) FROM STDIN
