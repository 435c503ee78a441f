-- Bytes on disk of the paidan schema's tables (each with its indexes and
-- TOAST) and their total. The whole database's size is left out: catalog
-- maintenance changes it while the data stays the same.
WITH p AS (SELECT $1::timestamptz AS t0, $2::timestamptz AS t1, $3::text AS part, $4::text AS period,
                  $5::float8 AS target_s, $6::float8 AS pending_s),
s AS (
    SELECT c.relname::text AS relation, pg_total_relation_size(c.oid) AS bytes
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'paidan' AND c.relkind IN ('r', 'p')
)
SELECT relation, bytes FROM s
UNION ALL
SELECT '(paidan schema)', coalesce(sum(bytes), 0)::bigint FROM s, p
ORDER BY 1
