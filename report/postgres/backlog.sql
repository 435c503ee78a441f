-- Pending tasks now per partition, and how long the oldest has waited.
SELECT partition, count(*) AS pending,
       extract(epoch FROM now() - min(created_at))::float8 AS oldest_age_s
FROM paidan.task
WHERE status = 'pending'
GROUP BY partition
ORDER BY partition
