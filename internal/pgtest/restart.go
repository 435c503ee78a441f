package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgcluster"
	"github.com/paidan/paidan/internal/pgschema"
)

// Cluster is a PostgreSQL server started for one test alone, for tests
// that stop or restart the server under running code (a scheduler's
// recovery). Unlike New it always starts a local cluster, even when
// PAIDAN_TEST_DATABASE_URL is set, since a shared server cannot be
// restarted. It needs the local server binaries and takes a second or two
// to start. The cluster is removed when the test ends.
type Cluster struct {
	c *pgcluster.Cluster
}

// NewCluster starts a cluster and migrates its database "postgres" with
// paidan's schema.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Logf("pgtest: %v", err)
		}
	})
	cl := &Cluster{c: c}
	db, err := sqlx.Open("postgres", cl.URL())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	m, err := pgschema.New(db.DB)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("pgtest: migrate: %v", err)
	}
	return cl
}

// URL returns the superuser DSN of the cluster's migrated database.
func (cl *Cluster) URL() string {
	return cl.c.URL()
}

// Stop shuts the server down (fast mode: sessions are terminated, open
// transactions roll back) and waits until it is down.
func (cl *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := cl.c.Halt(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Start starts a stopped server again, with the options it first started
// with (pg_ctl restart reads them back from postmaster.opts), and waits
// until it accepts connections.
func (cl *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := cl.c.Restart(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}
