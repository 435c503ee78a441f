// Package postgres is the handover export's PostgreSQL adapter: Begin opens
// one REPEATABLE READ, READ ONLY transaction, reads the catalog of the
// paidan schema (tables, columns, types, primary keys, COMMENT ON text)
// and streams each table's rows from that same snapshot, row by row, as
// handover.Values.
//
// The role needs SELECT on the exported columns (of every table but those
// the policy excludes) and on public.paidan_schema_version; the schema
// owner has it.
package postgres
