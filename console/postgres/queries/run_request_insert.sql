-- Requests a run of partition $1 by $2 with note $3, unless a request of
-- the partition is open (not yet claimed: the unique index
-- run_request_one_open), when it returns no row. The partition must be
-- named by a task, a worker or a run (no row otherwise).
INSERT INTO paidan.run_request (partition, requested_by, note)
SELECT $1, $2, $3
WHERE EXISTS (SELECT FROM paidan.task WHERE partition = $1)
   OR EXISTS (SELECT FROM paidan.worker WHERE partition = $1)
   OR EXISTS (SELECT FROM paidan.run WHERE partition = $1)
ON CONFLICT (partition) WHERE claimed_at IS NULL DO NOTHING
RETURNING id, partition, requested_by, requested_at, note
