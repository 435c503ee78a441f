-- The group roles beside paidan_runtime (00003, narrowed by 00006), each
-- NOLOGIN and holding what one kind of client needs. An operator grants one
-- to each login role:
--
--     CREATE ROLE orders_service LOGIN PASSWORD '...' IN ROLE paidan_business;
--     CREATE ROLE bi_analyst     LOGIN PASSWORD '...' IN ROLE paidan_reader;
--
--   * paidan_business: the systems that own tasks and workers. They insert
--     tasks (always pending), edit them, cancel them, complete assigned
--     ones, move them back to pending and delete them; they insert, edit,
--     deactivate and delete workers. They read everything paidan writes.
--     They write neither the columns the database maintains (task.version,
--     updated_at, assigned_worker, assigned_run; worker.load, version,
--     updated_at) nor paidan's tables (run, assignment, unassigned): a task
--     becomes assigned only through the write-back.
--   * paidan_reader: analysts and reports. SELECT on the dispatch tables,
--     nothing else.
--   * paidan_console: the console's role. This migration only creates it;
--     the migrations that add the console's tables grant it what it needs.
--
-- As in 00003, roles belong to the whole cluster: they are created only
-- when missing, and Down revokes this database's grants but keeps them.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'paidan_business') THEN
        BEGIN
            CREATE ROLE paidan_business NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            -- Another database of this cluster created it meanwhile. This
            -- transaction's catalog cache may still say it does not exist
            -- (the next GRANT would fail): fail as a serialization
            -- failure, which internal/pgschema retries in a new transaction.
            RAISE EXCEPTION 'role paidan_business was created by a migration of another database meanwhile'
                USING ERRCODE = 'serialization_failure';
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'paidan_reader') THEN
        BEGIN
            CREATE ROLE paidan_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            -- Another database of this cluster created it meanwhile. This
            -- transaction's catalog cache may still say it does not exist
            -- (the next GRANT would fail): fail as a serialization
            -- failure, which internal/pgschema retries in a new transaction.
            RAISE EXCEPTION 'role paidan_reader was created by a migration of another database meanwhile'
                USING ERRCODE = 'serialization_failure';
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'paidan_console') THEN
        BEGIN
            CREATE ROLE paidan_console NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            -- Another database of this cluster created it meanwhile. This
            -- transaction's catalog cache may still say it does not exist
            -- (the next GRANT would fail): fail as a serialization
            -- failure, which internal/pgschema retries in a new transaction.
            RAISE EXCEPTION 'role paidan_console was created by a migration of another database meanwhile'
                USING ERRCODE = 'serialization_failure';
        END;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA paidan TO paidan_business, paidan_reader;

GRANT SELECT ON paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned
    TO paidan_business, paidan_reader;

GRANT INSERT (id, partition, region, skills, priority, lat, lon, created_at, due_at,
              pinned_worker, previous_worker) ON paidan.task TO paidan_business;
GRANT UPDATE (partition, region, skills, priority, lat, lon, due_at, pinned_worker,
              previous_worker, status) ON paidan.task TO paidan_business;
GRANT DELETE ON paidan.task TO paidan_business;

GRANT INSERT (id, partition, regions, skills, capacity, active, lat, lon, shift_start,
              shift_end, max_distance_km) ON paidan.worker TO paidan_business;
GRANT UPDATE (partition, regions, skills, capacity, active, lat, lon, shift_start,
              shift_end, max_distance_km) ON paidan.worker TO paidan_business;
GRANT DELETE ON paidan.worker TO paidan_business;

-- +goose Down
REVOKE ALL ON paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned
    FROM paidan_business, paidan_reader;
REVOKE ALL ON SCHEMA paidan FROM paidan_business, paidan_reader;
