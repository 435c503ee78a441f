// Package postgres is the console's Store over PostgreSQL (sqlx and
// lib/pq): accounts, sessions, tokens, the audit trail and partition
// pauses in the tables of migration 00015, and read-only views of the
// dispatch tables (runs, assignments, tasks left out, tasks, workers,
// partitions). Explain answers the task pages' explanations from the kept
// run snapshots (runsnap/postgres.Explainer).
//
// Every method that changes state runs in one transaction that also
// appends its paidan.audit row, so a change is never without its entry.
// The queries live beside the code in queries/*.sql, one statement each.
// The role the console connects as needs only what paidan_console holds.
//
//	store := &postgres.Store{DB: db}
//	srv, err := console.New(console.Options{Store: store})
package postgres
