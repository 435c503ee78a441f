package pgtest

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/peterldowns/pgtestdb"
)

// ConsoleRole is the NOLOGIN group role that the migrations create with
// the privileges of the operations console ("paidan serve").
const ConsoleRole = "paidan_console"

// consoleLogin is the login role NewConsole connects as.
const consoleLogin = "paidan_test_console"

// NewConsole is like NewRuntime for the console: owner is the role that
// migrated the new database, console a login role whose only privileges
// come from membership in ConsoleRole.
func NewConsole(t testing.TB) (owner, console *sqlx.DB) {
	t.Helper()
	conf := pgtestdb.Custom(t, config(t), migrator{})
	ensureMemberLogin(t, consoleLogin, ConsoleRole)
	as := *conf
	as.User, as.Password = consoleLogin, consoleLogin
	return open(t, conf.URL()), open(t, as.URL())
}

// NewConsoleURL is like NewConsole but returns the DSNs, for code under
// test that opens its own connections.
func NewConsoleURL(t testing.TB) (owner, console string) {
	t.Helper()
	conf := pgtestdb.Custom(t, config(t), migrator{})
	ensureMemberLogin(t, consoleLogin, ConsoleRole)
	as := *conf
	as.User, as.Password = consoleLogin, consoleLogin
	return conf.URL(), as.URL()
}

// ensureMemberLogin creates login role login, a member of group, once per
// server, under an advisory lock (roles are server-wide and test
// processes run at once).
func ensureMemberLogin(t testing.TB, login, group string) {
	t.Helper()
	ctx := context.Background()
	tx, err := Admin(t).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`SELECT pg_advisory_xact_lock(hashtext('` + login + `'))`,
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '` + login + `') THEN
				CREATE ROLE ` + login + ` LOGIN INHERIT PASSWORD '` + login + `';
			END IF;
		END $$`,
		`GRANT ` + group + ` TO ` + login,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("pgtest: create login role %s: %v", login, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("pgtest: create login role %s: %v", login, err)
	}
}
