COPY seed_worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km) FROM STDIN
