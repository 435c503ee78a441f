-- Reads and locks one maintenance window.
SELECT id, starts_at, ends_at, partition, message, announced_by, announced_at, cancelled_by, cancelled_at
FROM paidan.maintenance WHERE id = $1 FOR UPDATE
