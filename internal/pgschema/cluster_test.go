package pgschema_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestMigrateDatabasesOfOneClusterConcurrently migrates several empty
// databases of one cluster at the same moment, as one migration owner
// that may create roles, with none of paidan's group roles existing yet:
// the migrations of 00003, 00007 and 00015 create the cluster-wide roles
// only when missing, and CREATE ROLE is not serialised across databases
// (each migrator's advisory lock is per database), so each must tolerate
// another database creating the same role meanwhile. Every round drops
// the databases and the roles and starts again; every migration must
// succeed, and each role must exist exactly once afterwards. It runs on a
// cluster of its own, since it drops roles that other tests use. (With
// the roles created in a sub-block that swallowed the duplicate, the first
// round failed: the next GRANT of that transaction found no such role.)
func TestMigrateDatabasesOfOneClusterConcurrently(t *testing.T) {
	t.Parallel()
	const (
		databases = 6
		rounds    = 3
	)
	ctx := t.Context()
	srv, err := pgtest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Log(err)
		}
	})
	admin, err := sqlx.Open("postgres", srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.MustExecContext(ctx, `CREATE ROLE concurrent_owner LOGIN PASSWORD 'concurrent_owner' NOSUPERUSER NOCREATEDB CREATEROLE`)
	groups := []string{"paidan_runtime", "paidan_business", "paidan_reader", "paidan_console"}

	for round := range rounds {
		var dsns []string
		for i := range databases {
			name := fmt.Sprintf("concurrent_%d", i)
			admin.MustExecContext(ctx, `CREATE DATABASE `+name+` OWNER concurrent_owner`)
			u, err := url.Parse(srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			u.User, u.Path = url.UserPassword("concurrent_owner", "concurrent_owner"), "/"+name
			dsns = append(dsns, u.String())
		}
		var n int
		if err := admin.GetContext(ctx, &n, `SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)`, groups); err != nil || n != 0 {
			t.Fatalf("round %d: %d of paidan's group roles exist before the migrations, %v; want none", round, n, err)
		}

		// Each migrator connects first, then all start at once.
		start := make(chan struct{})
		errs := make([]error, databases)
		var wg sync.WaitGroup
		for i, dsn := range dsns {
			db, err := sqlx.Open("postgres", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			m, err := pgschema.New(db.DB)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				<-start
				_, errs[i] = m.Up(context.WithoutCancel(ctx))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: database concurrent_%d: %v", round, i, err)
			}
		}
		for i, dsn := range dsns {
			db, err := sqlx.Open("postgres", dsn)
			if err != nil {
				t.Fatal(err)
			}
			v, err := pgschema.SchemaVersion(ctx, db.DB)
			db.Close()
			if err != nil || v != pgschema.Latest() {
				t.Errorf("round %d: database concurrent_%d at schema %d, %v; want %d", round, i, v, err, pgschema.Latest())
			}
		}
		if err := admin.GetContext(ctx, &n, `SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)`, groups); err != nil || n != len(groups) {
			t.Errorf("round %d: %d of paidan's %d group roles exist after the migrations, %v", round, n, len(groups), err)
		}
		if t.Failed() {
			return
		}

		// Start again from nothing: the databases, then the roles.
		for i := range databases {
			admin.MustExecContext(ctx, fmt.Sprintf(`DROP DATABASE concurrent_%d WITH (FORCE)`, i))
		}
		for _, g := range groups {
			admin.MustExecContext(ctx, `DROP ROLE `+g)
		}
	}
}
