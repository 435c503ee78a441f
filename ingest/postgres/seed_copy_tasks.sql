COPY seed_task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker) FROM STDIN
