// Package consoletest gives the console's tests a real database with the
// console's role and a small dispatch history: one partition, workers,
// tasks, an applied run with assignments and tasks left out (as the
// write-back records them in paidan.assignment and paidan.unassigned), a
// failed run, and accounts of each role.
package consoletest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// Argon2 are cheap hash parameters for tests: the hash format and code
// path are the production ones, at a fraction of the cost.
func Argon2() console.Argon2Params {
	return console.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}
}

// Password is every seeded account's password.
const Password = "correct horse battery staple"

// Fixture names what Seed wrote.
type Fixture struct {
	Partition   string
	Run         string // applied, with Assigned assignments and LeftOut tasks left out
	FailedRun   string
	Assigned    int
	LeftOut     int
	Task        string // assigned by Run
	LeftOutTask string // left out by Run (no_skill), still pending
	Worker      string
	// Accounts by role name: "viewer", "planner", "admin".
	Accounts map[string]string
}

// New returns the schema owner's connection (to arrange rows), a Store on
// a connection as a member of paidan_console only, and the seeded
// fixture with assigned assignments.
func New(t testing.TB, assigned int) (*sqlx.DB, *postgres.Store, Fixture) {
	t.Helper()
	owner, conn := pgtest.NewConsole(t)
	st := &postgres.Store{DB: conn}
	f := Seed(t, owner, st, assigned)
	return owner, st, f
}

// Seed writes the fixture through owner and creates the accounts through
// st (so their audit entries exist).
func Seed(t testing.TB, owner *sqlx.DB, st console.Store, assigned int) Fixture {
	t.Helper()
	ctx := context.Background()
	f := Fixture{Partition: "north", Run: "north-20261203T080000Z-000001", FailedRun: "north-20261203T090000Z-000002",
		Assigned: assigned, LeftOut: 3, Task: "t000000", LeftOutTask: "late-0", Worker: "w00",
		Accounts: map[string]string{"viewer": "vera", "planner": "paul", "admin": "ada"}}
	started := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := owner.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("seed: %v\n%s", err, q)
		}
	}
	workers := 10
	exec(`INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon)
		SELECT format('w%s', lpad(i::text, 2, '0')), $1, ARRAY[CASE WHEN i % 2 = 0 THEN 'east' ELSE 'west' END], '{plumbing}', $2, 52.5, 13.4
		FROM generate_series(0, $3 - 1) i`, f.Partition, assigned/workers+1, workers)
	exec(`INSERT INTO paidan.task (id, partition, region, skills, lat, lon, created_at)
		SELECT format('t%s', lpad(i::text, 6, '0')), $1, CASE WHEN i % 2 = 0 THEN 'east' ELSE 'west' END, '{plumbing}', 52.5, 13.4, $2
		FROM generate_series(0, $3 - 1) i`, f.Partition, started.Add(-time.Hour), assigned)
	exec(`INSERT INTO paidan.task (id, partition, region, skills, lat, lon, created_at)
		SELECT format('late-%s', i), $1, 'east', '{welding}', 52.5, 13.4, $2 FROM generate_series(0, $3 - 1) i`,
		f.Partition, started.Add(-2*time.Hour), f.LeftOut)
	kpis := fmt.Sprintf(`{"overall": {"tasks": %d, "workers": %d, "assigned": %d, "unassigned": %d,
		"unassigned_by_reason": {"no_skill": %d}, "total_cost": 1234.5, "mean_cost": 2.5,
		"distance_p50_km": 1.5, "distance_p90_km": 4.2, "utilization_p50": 0.5, "utilization_p90": 0.9},
		"by_region": [{"region": "east", "tasks": %d, "workers": 5, "assigned": %d, "unassigned": %d,
		"unassigned_by_reason": {"no_skill": %d}, "total_cost": 600, "mean_cost": 2.4, "distance_p50_km": 1.4,
		"distance_p90_km": 4, "utilization_p50": 0.5, "utilization_p90": 0.9}]}`,
		assigned+f.LeftOut, workers, assigned, f.LeftOut, f.LeftOut, assigned/2+f.LeftOut, assigned/2, f.LeftOut, f.LeftOut)
	exec(`INSERT INTO paidan.run (id, partition, started_at, finished_at, status, rules_hash, input_hash,
		objective, objective_units, dual_bound, certificate, kpis, assigned, conflicts)
		VALUES ($1, $2, $3, $4, 'applied', 'rh', 'ih', 1234.5, 1234500, 1234500, 'verified', $5, $6, 0)`,
		f.Run, f.Partition, started, started.Add(2*time.Second), kpis, assigned)
	exec(`INSERT INTO paidan.run (id, partition, started_at, finished_at, status, error)
		VALUES ($1, $2, $3, $4, 'failed', 'load tasks: connection reset')`,
		f.FailedRun, f.Partition, started.Add(time.Hour), started.Add(time.Hour+time.Second))
	exec(`UPDATE paidan.task t SET status = 'assigned', assigned_run = $1,
		assigned_worker = format('w%s', lpad((substr(t.id, 2)::int % $2)::text, 2, '0'))
		WHERE t.id LIKE 't%'`, f.Run, workers)
	exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
		SELECT assigned_run, id, assigned_worker, 1.5, 2, 0.5, 0 FROM paidan.task WHERE assigned_run = $1`, f.Run)
	exec(`INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
		SELECT $1, id, 'no_skill', 'no active worker in partition north has skill welding' FROM paidan.task WHERE id LIKE 'late-%'`, f.Run)
	for role, login := range f.Accounts {
		r, err := console.ParseRole(role)
		if err != nil {
			t.Fatal(err)
		}
		_, err = console.CreateAccount(ctx, st, console.Actor{Name: "shell:test"},
			console.NewAccount{Login: login, DisplayName: "Test " + role, Role: r, Password: Password}, Argon2())
		if err != nil {
			t.Fatalf("seed account %s: %v", login, err)
		}
	}
	return f
}
