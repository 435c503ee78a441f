-- Inserts the staged workers; an id that is taken fails the statement
-- (unique_violation), so nothing of the seed is written.
INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km)
SELECT id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km
FROM seed_worker
