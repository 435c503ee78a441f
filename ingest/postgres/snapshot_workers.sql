-- Every worker, in id order, for a snapshot; times as in snapshot_tasks.sql.
SELECT id, partition, regions, skills, capacity, load, active, lat, lon,
       CASE WHEN shift_start BETWEEN $1 AND $2 THEN shift_start END AS shift_start,
       CASE WHEN shift_start BETWEEN $1 AND $2 THEN NULL ELSE shift_start::text END AS shift_start_bad,
       CASE WHEN shift_end BETWEEN $1 AND $2 THEN shift_end END AS shift_end,
       CASE WHEN shift_end BETWEEN $1 AND $2 THEN NULL ELSE shift_end::text END AS shift_end_bad,
       max_distance_km, version,
       CASE WHEN updated_at BETWEEN $1 AND $2 THEN updated_at END AS updated_at,
       CASE WHEN updated_at BETWEEN $1 AND $2 THEN NULL ELSE updated_at::text END AS updated_at_bad
FROM paidan.worker
ORDER BY id
