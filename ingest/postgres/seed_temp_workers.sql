-- The seed's staging table for workers, shaped like paidan.worker, dropped
-- at commit.
CREATE TEMPORARY TABLE seed_worker (LIKE paidan.worker INCLUDING DEFAULTS) ON COMMIT DROP
