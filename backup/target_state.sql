-- What a restore target already holds: the schema paidan and the
-- migration version table, if they exist.
SELECT (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'paidan') AS schema,
       (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'paidan') AS objects,
       (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = 'paidan_schema_version') AS version_table
