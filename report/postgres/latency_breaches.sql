-- Every task created in the range whose dispatch latency exceeded the
-- target; first_assigned_at is empty for a task still waiting.
SELECT t.id AS task_id, t.partition, t.region, t.created_at, t.first_at AS first_assigned_at, t.latency_s
FROM t, p
WHERE t.latency_s > p.target_s
ORDER BY t.latency_s DESC, t.id
