-- What a restore target already holds: the schemas paidan and paidan_river
-- (River's queue), if they exist, and the migration version table.
SELECT (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname IN ('paidan', 'paidan_river')) AS schema,
       (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('paidan', 'paidan_river')) AS objects,
       (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = 'paidan_schema_version') AS version_table
