// Package postgres reads paidan's run ledger and the rows it covers from
// PostgreSQL (sqlx over lib/pq) and checks them with package ledger.
//
// Verify reads, in one read-only REPEATABLE READ transaction, every
// finished run, every assignment row (current and archived), every
// unassigned row and every ledger entry, streaming each table once; it
// keeps one small record per run in memory. Nothing here calls the
// database's own hashing functions: the digests are recomputed in Go from
// the column values.
package postgres
