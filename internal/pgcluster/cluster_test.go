package pgcluster_test

import (
	"database/sql"
	"os"
	"testing"

	_ "github.com/lib/pq"

	"github.com/paidan/paidan/internal/pgcluster"
)

// TestStartStop starts a cluster, checks it answers on loopback as the
// superuser and runs under the data directory it names, then stops it and
// checks its files are gone.
func TestStartStop(t *testing.T) {
	c, err := pgcluster.Start()
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			c.Stop()
		}
	})
	db, err := sql.Open("postgres", c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var user, dataDir, listen string
	if err := db.QueryRow(`SELECT current_user, current_setting('data_directory'), current_setting('listen_addresses')`).
		Scan(&user, &dataDir, &listen); err != nil {
		t.Fatal(err)
	}
	if user != pgcluster.Superuser || dataDir != c.DataDir() || listen != "127.0.0.1" {
		t.Errorf("connected as %q to %s listening on %q; want %q, %s, 127.0.0.1", user, dataDir, listen, pgcluster.Superuser, c.DataDir())
	}
	db.Close()

	if err := c.Halt(); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(); err != nil {
		t.Fatalf("restart after halt: %v", err)
	}
	db2, err := sql.Open("postgres", c.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := db2.Ping(); err != nil {
		t.Errorf("no answer after restart: %v", err)
	}
	db2.Close()

	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir()); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still there after Stop (%v)", c.Dir(), err)
	}
}
