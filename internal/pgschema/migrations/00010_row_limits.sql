-- The domain's limits on task and worker values (package paidan, limits.go:
-- MaxIDBytes, MaxNameBytes, MaxNames, MaxCapacity, MaxPriority,
-- MaxDistanceKm, MinUnixMicro..MaxUnixMicro), as CHECK constraints, so that a
-- value paidan cannot plan with is refused when it is written rather than
-- skipped when it is loaded. ingest/postgres's TestSchemaMirrorsDomainLimits
-- probes each one on a live database against the Go constants.
--
-- Only checks that cost a few comparisons per row are here: every UPDATE of
-- a row re-evaluates them, the write-back's included. What they leave out
-- (a C1 control character, an array element over MaxNameBytes, a repeated
-- skill, invalid UTF-8 in an SQL_ASCII database) the loader skips and
-- reports.
--
-- The constraints are added NOT VALID: rows written before this migration
-- are not checked (the loader skips the bad ones and says why); every new or
-- updated row is. Once the old rows are clean, an operator may run
-- ALTER TABLE paidan.task VALIDATE CONSTRAINT <name> (and likewise for
-- worker), which only reads.

-- +goose Up
ALTER TABLE paidan.task
    ADD CONSTRAINT task_id_bytes CHECK (octet_length(id) <= 200) NOT VALID,
    ADD CONSTRAINT task_partition_name CHECK (octet_length(partition) <= 200 AND partition !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_id_printable CHECK (id !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_region_name CHECK (octet_length(region) <= 200 AND region !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_skills_names CHECK (cardinality(skills) <= 64 AND array_to_string(skills, ',') !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT task_priority_max CHECK (priority <= 1000) NOT VALID,
    ADD CONSTRAINT task_created_at_range CHECK (created_at BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT task_due_at_range CHECK (due_at BETWEEN created_at AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT task_worker_refs CHECK (octet_length(pinned_worker) <= 200 AND pinned_worker !~ '[\x01-\x1f\x7f]'
        AND octet_length(previous_worker) <= 200 AND previous_worker !~ '[\x01-\x1f\x7f]') NOT VALID;

ALTER TABLE paidan.worker
    ADD CONSTRAINT worker_id_bytes CHECK (octet_length(id) <= 200) NOT VALID,
    ADD CONSTRAINT worker_partition_name CHECK (octet_length(partition) <= 200 AND partition !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT worker_id_printable CHECK (id !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT worker_regions_names CHECK (cardinality(regions) <= 64 AND array_to_string(regions, ',') !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT worker_skills_names CHECK (cardinality(skills) <= 64 AND array_to_string(skills, ',') !~ '[\x01-\x1f\x7f]') NOT VALID,
    ADD CONSTRAINT worker_capacity_max CHECK (capacity <= 1000000) NOT VALID,
    ADD CONSTRAINT worker_shift_start_range CHECK (shift_start BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT worker_shift_end_range CHECK (shift_end BETWEEN '1970-01-01 00:00:00+00' AND '2262-04-11 23:47:16.854775+00') NOT VALID,
    ADD CONSTRAINT worker_max_distance_km_max CHECK (max_distance_km <= 40000) NOT VALID;

-- +goose Down
ALTER TABLE paidan.worker
    DROP CONSTRAINT worker_max_distance_km_max,
    DROP CONSTRAINT worker_shift_end_range,
    DROP CONSTRAINT worker_shift_start_range,
    DROP CONSTRAINT worker_capacity_max,
    DROP CONSTRAINT worker_skills_names,
    DROP CONSTRAINT worker_regions_names,
    DROP CONSTRAINT worker_id_printable,
    DROP CONSTRAINT worker_partition_name,
    DROP CONSTRAINT worker_id_bytes;

ALTER TABLE paidan.task
    DROP CONSTRAINT task_worker_refs,
    DROP CONSTRAINT task_due_at_range,
    DROP CONSTRAINT task_created_at_range,
    DROP CONSTRAINT task_priority_max,
    DROP CONSTRAINT task_skills_names,
    DROP CONSTRAINT task_region_name,
    DROP CONSTRAINT task_id_printable,
    DROP CONSTRAINT task_partition_name,
    DROP CONSTRAINT task_id_bytes;
