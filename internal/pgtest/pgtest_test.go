package pgtest_test

import (
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDatabasesAreMigratedAndIsolated(t *testing.T) {
	t.Parallel()
	a, b := pgtest.New(t), pgtest.New(t)
	var nameA, nameB string
	if err := a.Get(&nameA, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Get(&nameB, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("two New calls share database %q", nameA)
	}
	var schemas int
	if err := a.Get(&schemas, `SELECT count(*) FROM pg_namespace WHERE nspname = 'paidan'`); err != nil {
		t.Fatal(err)
	}
	if schemas != 1 {
		t.Fatalf("schema paidan missing from a fresh test database")
	}
	if _, err := a.Exec(`CREATE TABLE paidan.scratch (id int)`); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := b.Get(&tables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'paidan' AND tablename = 'scratch'`); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatal("a table created in one test database is visible in another")
	}
}

func TestEmptyHasNoSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.NewEmpty(t)
	var schemas int
	if err := db.Get(&schemas, `SELECT count(*) FROM pg_namespace WHERE nspname = 'paidan'`); err != nil {
		t.Fatal(err)
	}
	if schemas != 0 {
		t.Fatal("NewEmpty returned a database with the paidan schema")
	}
}

func TestNewRuntimeConnectsAsAMemberOfTheRuntimeRole(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	var ownerDB, runtimeDB, user string
	if err := owner.Get(&ownerDB, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if err := runtime.Get(&runtimeDB, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if ownerDB != runtimeDB {
		t.Fatalf("owner on %q, runtime on %q; want one database", ownerDB, runtimeDB)
	}
	var member, super bool
	if err := runtime.QueryRow(`SELECT current_user, pg_has_role(current_user, $1, 'USAGE'),
			(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`, pgtest.RuntimeRole).Scan(&user, &member, &super); err != nil {
		t.Fatal(err)
	}
	if user == "" || !member || super {
		t.Errorf("runtime connects as %q (member of %s: %v, superuser: %v); want a non-superuser member", user, pgtest.RuntimeRole, member, super)
	}
}
