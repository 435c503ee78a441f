package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func exec(t testing.TB, db sqlx.ExecerContext, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// open connects to dsn and closes the connection when the test ends.
func open(t testing.TB, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// superuser returns a superuser connection to db's database: as the user
// of $PAIDAN_TEST_DATABASE_URL, or as the throwaway cluster's "postgres"
// (trust authentication on loopback).
func superuser(t testing.TB, db *sqlx.DB) *sqlx.DB {
	t.Helper()
	var where struct {
		Host string `db:"host"`
		Port int    `db:"port"`
		Name string `db:"name"`
	}
	if err := db.Get(&where, `SELECT host(inet_server_addr()) AS host, inet_server_port() AS port, current_database() AS name`); err != nil {
		t.Fatal(err)
	}
	u := &url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", where.Host, where.Port), Path: "/" + where.Name,
		RawQuery: "sslmode=disable", User: url.User("postgres")}
	if env := os.Getenv(pgtest.EnvURL); env != "" {
		e, err := url.Parse(env)
		if err != nil {
			t.Fatal(err)
		}
		u.User = e.User
	}
	return open(t, u.String())
}

type row struct {
	task, worker string
	dist, travel float64
}

// finishRun writes run id of partition north as a write-back does: the run
// claimed, its assignment and unassigned rows inserted, the run finished
// with status, all in one transaction.
func finishRun(t testing.TB, db *sqlx.DB, id, status string, rows []row, unassigned map[string]string) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec(t, tx, `INSERT INTO paidan.run (id, partition) VALUES ($1, 'north')`, id)
	// The run finishes before its rows are written: the ledger's trigger
	// runs at COMMIT and must see them all the same.
	cert := "verified"
	if status != "applied" {
		cert = "unchecked"
	}
	exec(t, tx, `UPDATE paidan.run SET status = $2, finished_at = clock_timestamp(), rules_hash = 'rules',
		objective = 0.1 * $3, objective_units = $3, dual_bound = $3, certificate = $4,
		kpis = '{"b": 1.50, "a": [1, "x"]}', assigned = $3 WHERE id = $1`, id, status, len(rows), cert)
	for _, r := range rows {
		exec(t, tx, `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
			VALUES ($1, $2, $3, $4, $5, -0.3, 1e-300)`, id, r.task, r.worker, r.dist, r.travel)
	}
	for task, reason := range unassigned {
		exec(t, tx, `INSERT INTO paidan.unassigned (run_id, task_id, reason, detail) VALUES ($1, $2, $3, 'détail')`, id, task, reason)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// seed adds workers w1, w2 and tasks whose ids sort differently by bytes
// than in most locales.
func seed(t testing.TB, db *sqlx.DB) {
	t.Helper()
	for _, w := range []string{"w1", "w2"} {
		exec(t, db, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ($1, 'north', 100, 0, 0)`, w)
	}
	for _, id := range []string{"a", "B", "é", "Z", "t-1", "t-2", "t-3"} {
		exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ($1, 'north', 0, 0)`, id)
	}
}

// pqCode returns err's SQLSTATE, or "" when it has none.
func pqCode(err error) string {
	if pe, ok := errors.AsType[*pq.Error](err); ok {
		return string(pe.Code)
	}
	return ""
}
