-- Writes back run $1 of partition $2 (started at $3, or now() when NULL):
-- the assignments as parallel arrays $4..$12 (task, worker, loaded version,
-- priority, distance, travel, balance and stability costs, pinned), the
-- tasks the plan left out $13..$15 (task, reason code, detail), and the
-- plan's figures $16..$22, and the run's planning instant $23 (the load
-- snapshot's time, or NULL). Returns the refused assignments in task order.
SELECT refused_task, refused_worker, refused_kind
FROM paidan.apply_run($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                      $16, $17, $18, $19, $20, $21, $22, $23)
