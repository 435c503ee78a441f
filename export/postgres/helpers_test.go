package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newDB returns a migrated database of the test's own and checks the
// dispatch invariants on it when the test ends.
func newDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db := pgtest.New(t)
	checkInvariantsAtEnd(t, db)
	return db
}

func checkInvariantsAtEnd(t testing.TB, db *sqlx.DB) {
	t.Helper()
	t.Cleanup(func() {
		if err := postgres.CheckInvariants(context.Background(), db); err != nil {
			t.Error(err)
		}
	})
}

func exec(t testing.TB, db sqlx.ExecerContext, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// addWorkers inserts active workers of partition at (0, 0) with the given
// capacities, keyed by id.
func addWorkers(t testing.TB, db sqlx.ExecerContext, partition string, capacity map[string]int) {
	t.Helper()
	for id, c := range capacity {
		exec(t, db, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ($1, $2, $3, 0, 0)`, id, partition, c)
	}
}

// addTasks inserts pending tasks of partition at (0, 0) with priority 0.
func addTasks(t testing.TB, db sqlx.ExecerContext, partition string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ($1, $2, 0, 0)`, id, partition)
	}
}

func load(t testing.TB, db *sqlx.DB, partition string) *paidan.Batch {
	t.Helper()
	b, report, err := ingestpg.Load(context.Background(), db, partition, ingestpg.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Skipped) > 0 {
		t.Fatalf("load skipped %v", report.Skipped)
	}
	return b
}

// plan returns a verified plan of batch for run id with the given
// "task=worker" assignments; each costs 1 km of travel plus its position in
// the list as balance cost.
func plan(t testing.TB, id string, b *paidan.Batch, pairs ...string) *paidan.Plan {
	t.Helper()
	priority := make(map[paidan.TaskID]int)
	for _, task := range b.Tasks {
		priority[task.ID] = task.Priority
	}
	p := &paidan.Plan{
		RunID: id, Partition: b.Partition, AsOf: b.AsOf,
		Certificate: paidan.CertificateVerified, Resolution: 0.001,
		RulesHash: "rules-" + id, InputHash: "input-" + id,
	}
	for i, pair := range pairs {
		task, worker, ok := strings.Cut(pair, "=")
		if !ok {
			t.Fatalf("assignment %q is not task=worker", pair)
		}
		p.Assignments = append(p.Assignments, paidan.Assignment{
			Task: paidan.TaskID(task), Worker: paidan.WorkerID(worker),
			Priority: priority[paidan.TaskID(task)], DistanceKm: 1,
			Cost: paidan.Cost{Travel: 1, Balance: float64(i)},
		})
		p.Objective += 1 + float64(i)
	}
	p.ObjectiveUnits = int64(p.Objective * 1000)
	p.DualBound = p.ObjectiveUnits
	p.KPIs.Overall = paidan.Summary{Tasks: len(b.Tasks), Workers: len(b.Workers), Assigned: len(pairs),
		Unassigned: len(b.Tasks) - len(pairs), TotalCost: p.Objective}
	return p
}

func apply(t testing.TB, db *sqlx.DB, id string, p *paidan.Plan, b *paidan.Batch) *postgres.ApplyResult {
	t.Helper()
	res, err := postgres.Apply(context.Background(), db, paidan.Run{ID: id}, p, b)
	if err != nil {
		t.Fatalf("Apply(%s): %v", id, err)
	}
	return res
}

// state is what the dispatch tables say, for before/after comparisons.
type state struct {
	Tasks       string // id:status:worker:run:version, ...
	Loads       string // id:load, ...
	Assignments int
	Runs        string // id:status, ...
}

func snapshot(t testing.TB, db sqlx.QueryerContext) state {
	t.Helper()
	ctx := context.Background()
	var s state
	for _, q := range []struct {
		dst   any
		query string
	}{
		{&s.Tasks, `SELECT coalesce(string_agg(id || ':' || status || ':' || coalesce(assigned_worker, '-') || ':' ||
			coalesce(assigned_run, '-') || ':' || version, ',' ORDER BY id), '') FROM paidan.task`},
		{&s.Loads, `SELECT coalesce(string_agg(id || ':' || load, ',' ORDER BY id), '') FROM paidan.worker`},
		{&s.Assignments, `SELECT count(*) FROM paidan.assignment`},
		{&s.Runs, `SELECT coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '') FROM paidan.run`},
	} {
		if err := sqlx.GetContext(ctx, db, q.dst, q.query); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// count runs a count query.
func count(t testing.TB, db sqlx.QueryerContext, query string, args ...any) int {
	t.Helper()
	var n int
	if err := sqlx.GetContext(context.Background(), db, &n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// pqCode returns the SQLSTATE of err, or "" when it is no server error.
func pqCode(err error) string {
	var e *pq.Error
	if errors.As(err, &e) {
		return string(e.Code)
	}
	return ""
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return out
}
