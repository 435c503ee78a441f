-- Pending tasks now per partition, and how long the oldest has waited:
-- paidan.partition_backlog (00056) is the one definition of a backlog
-- (a pending task created at ±infinity counts as pending but not as the
-- oldest; 0 when none has a finite creation time).
SELECT partition, pending,
       coalesce(extract(epoch FROM now() - oldest_pending)::float8, 0) AS oldest_age_s
FROM paidan.partition_backlog
ORDER BY partition
