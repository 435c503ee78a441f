-- Exports the transaction's snapshot for pg_dump --snapshot, with the facts
-- the manifest records.
SELECT pg_export_snapshot() AS snapshot, now() AS now, current_database() AS database,
       current_setting('server_version') AS server
