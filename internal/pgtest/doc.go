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
// Test databases are migrated by, and belong to, the role
// paidan_test_owner: no superuser and no CREATEDB, like pgtestdb's default
// role, but with CREATEROLE, which the migration creating the
// paidan_runtime role needs (as a production migration owner does).
// NewRuntime adds a second connection to the same database as a login role
// that holds nothing but membership in paidan_runtime, for tests of what a
// scheduler may and may not do.
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
