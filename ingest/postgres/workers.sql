-- The active workers of one partition ($1), in id order. A shift time
-- outside the domain's range [$2, $3] is returned as NULL, with its text in
-- the *_bad column (see tasks.sql).
SELECT id, regions, skills, capacity, load, lat, lon,
       CASE WHEN shift_start BETWEEN $2 AND $3 THEN shift_start END AS shift_start,
       CASE WHEN shift_start BETWEEN $2 AND $3 THEN NULL ELSE shift_start::text END AS shift_start_bad,
       CASE WHEN shift_end BETWEEN $2 AND $3 THEN shift_end END AS shift_end,
       CASE WHEN shift_end BETWEEN $2 AND $3 THEN NULL ELSE shift_end::text END AS shift_end_bad,
       max_distance_km
FROM paidan.worker
WHERE partition = $1 AND active
ORDER BY id
