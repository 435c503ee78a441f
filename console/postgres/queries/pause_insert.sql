-- Pauses partition $1 unless it is paused already.
INSERT INTO paidan.partition_pause (partition, paused_by, note)
VALUES ($1, $2, $3)
ON CONFLICT (partition) DO NOTHING
RETURNING paused_at
