-- The plan's assignments as the write-back received them, with the task
-- version the batch loaded. Temporary tables are never WAL-logged.
CREATE TEMP TABLE paidan_apply (
    task_id        text             NOT NULL,
    worker_id      text             NOT NULL,
    version        bigint           NOT NULL,
    priority       integer          NOT NULL,
    distance_km    double precision NOT NULL,
    cost_travel    double precision NOT NULL,
    cost_balance   double precision NOT NULL,
    cost_stability double precision NOT NULL,
    pinned         boolean          NOT NULL
) ON COMMIT DROP
