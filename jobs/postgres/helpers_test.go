package postgres_test

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	exportpg "github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childMain())
	}
	pgtest.Main(m)
}

// newDB returns the DSN of a migrated database of the test's own, and
// checks the dispatch invariants on it when the test ends.
func newDB(t *testing.T) string {
	t.Helper()
	url := pgtest.NewURL(t)
	db := open(t, url)
	t.Cleanup(func() {
		if err := exportpg.CheckInvariants(context.Background(), db); err != nil {
			t.Error(err)
		}
	})
	return url
}

// open opens a pool of its own on url, closed at test end.
func open(t testing.TB, url string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seed inserts a generated batch of n tasks as partition p, its times moved
// so that its planning instant is now.
func seed(t testing.TB, db *sqlx.DB, p string, n int, seed uint64) *paidan.Batch {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: seed, IDPrefix: p + "-"}) // partitions share no id
	b.Partition = p
	if _, err := ingestpg.Seed(context.Background(), db, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return b
}

// newRunner wires a runner over db.
func newRunner(db *sqlx.DB, log *slog.Logger) *jobs.Runner {
	locker := &jobspg.Locker{DB: db}
	return &jobs.Runner{
		Source: &jobspg.Source{DB: db},
		Writer: &jobspg.Writer{DB: db, Locker: locker},
		Locker: locker,
		Rules:  paidan.DefaultRules(),
		Logger: log,
	}
}

// count runs a counting query.
func count(t testing.TB, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkNoDoubleWork asserts, beyond CheckInvariants, what the fault tests
// promise: no task holds two active assignments or was assigned by two
// applied runs while assigned, no worker is over capacity, no run is left
// running, and the conflicts runs recorded add up.
func checkNoDoubleWork(t testing.TB, db *sqlx.DB) {
	t.Helper()
	if err := exportpg.CheckInvariants(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, query string }{
		{"tasks with two active assignments", `SELECT count(*) FROM (SELECT task_id FROM paidan.assignment WHERE active GROUP BY task_id HAVING count(*) > 1) x`},
		{"workers over capacity", `SELECT count(*) FROM paidan.worker w WHERE (SELECT count(*) FROM paidan.task t WHERE t.assigned_worker = w.id AND t.status = 'assigned') > w.capacity`},
		{"runs left running", `SELECT count(*) FROM paidan.run WHERE status = 'running'`},
		{"assignments of runs not applied", `SELECT count(*) FROM paidan.assignment a JOIN paidan.run r ON r.id = a.run_id WHERE r.status <> 'applied'`},
	} {
		if n := count(t, db, c.query); n != 0 {
			t.Errorf("%s: %d, want 0", c.what, n)
		}
	}
}

func execSQL(t testing.TB, db sqlx.Execer, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// openChild opens a pool for the child process.
func openChild(url string) (*sqlx.DB, error) {
	return sqlx.Open("postgres", url)
}

// envInt returns the size named by the environment variable, or def. The
// short form (go test) uses the defaults; scripts/soak sets the long form.
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
