-- The open (unclaimed) request of partition $1, if any.
SELECT id, requested_by, requested_at FROM paidan.run_request
WHERE partition = $1 AND claimed_at IS NULL
