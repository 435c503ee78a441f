-- Lists maintenance windows: all when $1 is NULL, else those not cancelled
-- that end after $1 (active and upcoming).
SELECT id, starts_at, ends_at, partition, message, announced_by, announced_at, cancelled_by, cancelled_at
FROM paidan.maintenance
WHERE $1::timestamptz IS NULL OR (cancelled_at IS NULL AND ends_at > $1::timestamptz)
ORDER BY starts_at, id
