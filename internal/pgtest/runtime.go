package pgtest

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/peterldowns/pgtestdb"
)

// RuntimeRole is the NOLOGIN group role that the migrations create with the
// privileges of a planning run and nothing more.
const RuntimeRole = "paidan_runtime"

// runtimeLogin is the login role NewRuntime connects as: a member of
// RuntimeRole and holder of no privilege of its own, as an operator would set
// up the scheduler's role.
const runtimeLogin = "paidan_test_runtime"

// NewRuntime is like New but returns two connections to the new database:
// owner, as the role that migrated it, and runtime, as a login role whose
// only privileges come from membership in RuntimeRole. Tests use owner to
// arrange rows and runtime to check what a scheduler may and may not do.
func NewRuntime(t testing.TB) (owner, runtime *sqlx.DB) {
	t.Helper()
	conf := pgtestdb.Custom(t, config(t), migrator{})
	ensureRuntimeLogin(t)
	as := *conf
	as.User, as.Password = runtimeLogin, runtimeLogin
	return open(t, conf.URL()), open(t, as.URL())
}

// ensureRuntimeLogin creates the runtime login role once per server. Roles
// are server-wide, so an advisory lock keeps concurrent test processes from
// racing to create it.
func ensureRuntimeLogin(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	tx, err := Admin(t).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`SELECT pg_advisory_xact_lock(hashtext('` + runtimeLogin + `'))`,
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '` + runtimeLogin + `') THEN
				CREATE ROLE ` + runtimeLogin + ` LOGIN INHERIT PASSWORD '` + runtimeLogin + `';
			END IF;
		END $$`,
		`GRANT ` + RuntimeRole + ` TO ` + runtimeLogin,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("pgtest: create runtime login role: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("pgtest: create runtime login role: %v", err)
	}
}

// open connects to url and closes the connection when the test ends, before
// pgtestdb drops the database.
func open(t testing.TB, url string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
