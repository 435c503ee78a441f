-- Cancels one maintenance window.
UPDATE paidan.maintenance SET cancelled_at = now(), cancelled_by = $2
WHERE id = $1
RETURNING id, starts_at, ends_at, partition, message, announced_by, announced_at, cancelled_by, cancelled_at
