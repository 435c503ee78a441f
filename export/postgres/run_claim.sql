-- Records run $1 of partition $2 as running (started at $3, or now() when
-- NULL) unless a run with that id exists already.
INSERT INTO paidan.run (id, partition, started_at, status)
VALUES ($1, $2, coalesce($3, now()), 'running')
ON CONFLICT (id) DO NOTHING
