-- The partitions that have pending tasks, in name order.
SELECT DISTINCT partition
FROM paidan.task
WHERE status = 'pending'
ORDER BY partition
