// Package pgtest gives tests a real PostgreSQL database: each call to New
// returns a fresh database, cloned from a template that internal/pgschema
// migrated once, and dropped when the test passes.
//
// The server is PAIDAN_TEST_DATABASE_URL when that is set (a superuser DSN,
// for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
// Otherwise the first New starts a throwaway cluster from the local
// PostgreSQL binaries (initdb and pg_ctl on PATH or under
// /usr/lib/postgresql/*/bin) in a temporary directory, listening on a free
// loopback port, with fsync off; when the process runs as root the cluster
// runs as the "postgres" (or "nobody") user, since initdb refuses root.
// Main stops that cluster when the package's tests end. Without binaries, New
// fails the test with the command that installs them: database tests never
// skip.
//
// A package with database tests uses it so:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		db := pgtest.New(t) // *sqlx.DB on a migrated database of its own
//		...
//	}
package pgtest
