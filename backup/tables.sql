-- Every table of the schema paidan, and the migration version table, as
-- quoted qualified names.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND (n.nspname = 'paidan' OR (n.nspname = 'public' AND c.relname = 'paidan_schema_version'))
ORDER BY 1
