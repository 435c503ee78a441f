-- Resumes partition $1, returning the pause it ends.
DELETE FROM paidan.partition_pause WHERE partition = $1
RETURNING paused_by, paused_at, note
