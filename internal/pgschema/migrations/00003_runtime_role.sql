-- paidan_runtime: the NOLOGIN group role holding exactly what a planning run
-- needs. An operator grants it to the login role the scheduler connects as:
--
--     CREATE ROLE paidan_scheduler LOGIN PASSWORD '...' IN ROLE paidan_runtime;
--
-- Roles belong to the whole cluster, not to one database: this migration
-- creates paidan_runtime only when it is missing (so the migrating role needs
-- CREATEROLE, or a DBA creates the role beforehand), and the Down section
-- revokes this database's grants but leaves the role, which other databases
-- may use.
--
-- The write-back's temporary table needs the TEMPORARY privilege on the
-- database, which PUBLIC holds by default; where it was revoked, grant it:
--     GRANT TEMPORARY ON DATABASE <db> TO paidan_runtime;

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'paidan_runtime') THEN
        BEGIN
            CREATE ROLE paidan_runtime NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            -- Another database of this cluster created it meanwhile. This
            -- transaction's catalog cache may still say it does not exist
            -- (the next GRANT would fail): fail as a serialization
            -- failure, which internal/pgschema retries in a new transaction.
            RAISE EXCEPTION 'role paidan_runtime was created by a migration of another database meanwhile'
                USING ERRCODE = 'serialization_failure';
        END;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA paidan TO paidan_runtime;
GRANT SELECT ON paidan.task, paidan.worker, paidan.run, paidan.assignment TO paidan_runtime;
-- The columns paidan owns on a task; status only ever moves pending -> assigned
-- in the write-back, which the task_guard trigger and the version check enforce.
GRANT UPDATE (status, assigned_worker, assigned_run) ON paidan.task TO paidan_runtime;
GRANT INSERT ON paidan.run, paidan.assignment TO paidan_runtime;
-- Finishing a run that was recorded 'running'; run_guard keeps final runs final.
GRANT UPDATE (finished_at, status, rules_hash, input_hash, objective, objective_units,
              dual_bound, certificate, kpis, assigned, conflicts, error) ON paidan.run TO paidan_runtime;
GRANT EXECUTE ON FUNCTION paidan.lock_workers(text[]) TO paidan_runtime;

-- +goose Down
REVOKE ALL ON FUNCTION paidan.lock_workers(text[]) FROM paidan_runtime;
REVOKE ALL ON paidan.task, paidan.worker, paidan.run, paidan.assignment FROM paidan_runtime;
REVOKE ALL ON SCHEMA paidan FROM paidan_runtime;
