-- Every column of every ordinary or partitioned table of the paidan schema
-- (not the partitions themselves), with its type, its COMMENT ON texts and
-- its place in the primary key (0 when not in it), in table and column
-- order. category is pg_type.typcategory (A array, B boolean, D date/time,
-- N numeric, U user-defined, ...) of the column's type.
SELECT c.relname                                       AS table_name,
       coalesce(obj_description(c.oid, 'pg_class'), '') AS table_comment,
       a.attname                                       AS column_name,
       format_type(a.atttypid, a.atttypmod)            AS column_type,
       t.typname                                       AS type_name,
       t.typcategory::text                             AS category,
       a.attnotnull                                    AS not_null,
       coalesce(col_description(c.oid, a.attnum), '')  AS column_comment,
       coalesce(array_position(k.conkey, a.attnum), 0) AS key_position
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
WHERE n.nspname = 'paidan' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname, a.attnum
