-- Inserts the staged workers and overwrites the business columns of those
-- whose id is taken, moving them into the seeded partition
-- (--on-conflict update). load stays the database's; a capacity below the
-- worker's load fails the statement (worker_load_within_capacity). Returns
-- one row per worker written: inserted is false for an update.
INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km)
SELECT id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km
FROM seed_worker
ON CONFLICT (id) DO UPDATE SET partition = EXCLUDED.partition, regions = EXCLUDED.regions,
    skills = EXCLUDED.skills, capacity = EXCLUDED.capacity, active = true, lat = EXCLUDED.lat,
    lon = EXCLUDED.lon, shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end,
    max_distance_km = EXCLUDED.max_distance_km
RETURNING xmax = 0 AS inserted
