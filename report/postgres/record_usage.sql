-- Records what run $1 cost the engine: $2 CPU seconds, $3 peak bytes, $4
-- stage durations in seconds (a JSON object).
INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages)
VALUES ($1, $2, $3, $4::jsonb)
