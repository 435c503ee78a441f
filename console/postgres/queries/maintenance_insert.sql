-- Records an announced maintenance window.
INSERT INTO paidan.maintenance (starts_at, ends_at, partition, message, announced_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, starts_at, ends_at, partition, message, announced_by, announced_at, cancelled_by, cancelled_at
