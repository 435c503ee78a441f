-- Inserts the staged workers whose id is free and leaves the others alone
-- (--on-conflict skip).
INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km)
SELECT id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km
FROM seed_worker
ON CONFLICT (id) DO NOTHING
