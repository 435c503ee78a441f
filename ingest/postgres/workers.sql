-- The active workers of one partition ($1), in id order.
SELECT id, regions, skills, capacity, load, lat, lon, shift_start, shift_end,
       max_distance_km
FROM paidan.worker
WHERE partition = $1 AND active
ORDER BY id
