// Package backup backs up and restores paidan's PostgreSQL schema with
// PostgreSQL's own tools, never a format of its own: pg_dump
// --format=custom of the schema paidan and of the migration version table,
// both from one exported snapshot, pg_dumpall --roles-only
// --no-role-passwords for the role list, and pg_restore to bring them
// back. A manifest (manifest.json) records the paidan, schema and server
// versions, the row count of every table as of the snapshot, the ledger
// head, and the size and SHA-256 of every file.
//
// Where each rule lives: tools.go finds the client programs and runs them
// with the password in the environment, never on a command line;
// conn.go turns a lib/pq DSN into what libpq's tools accept;
// manifest.go the manifest and Verify; dump.go Backup; restore.go Restore
// and the checks that follow it; retention.go the names and retention of
// scheduled backups.
//
// A backup directory:
//
//	paidan.dump          pg_dump -Fc --schema=paidan --schema=paidan_river
//	schema_version.dump  pg_dump -Fc --table=public.paidan_schema_version
//	roles.sql            pg_dumpall --roles-only --no-role-passwords
//	manifest.json        written last
//
// The package holds no state; every function is safe for concurrent use on
// different directories.
package backup
