package reportgen_test

import (
	"context"
	"testing"

	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/internal/reportgen"
	ledgerpg "github.com/paidan/paidan/ledger/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMonthKeepsTheInvariants generates a small month and checks what the
// benchmarks rely on: the row counts the package promises, the dispatch
// invariants, the run ledger, every applied run rolled up, and the user
// triggers on again.
func TestMonthKeepsTheInvariants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	m := reportgen.Month{Runs: 300, Tasks: 2000, Slice: 70, Log: t.Logf}
	if err := m.Generate(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs, Applied, Skipped, Failed, Workers, Tasks, Done, Cancelled, Assigned         int64
		Assignments, Active, Unassigned, Usage, Ledger, RunRollup, TaskRollup, RollupRows int64
		DisabledTriggers                                                                  int64
	}
	if err := db.QueryRowx(`SELECT
		(SELECT count(*) FROM paidan.run) AS runs,
		(SELECT count(*) FROM paidan.run WHERE status = 'applied') AS applied,
		(SELECT count(*) FROM paidan.run WHERE status = 'skipped') AS skipped,
		(SELECT count(*) FROM paidan.run WHERE status = 'failed') AS failed,
		(SELECT count(*) FROM paidan.worker) AS workers,
		(SELECT count(*) FROM paidan.task) AS tasks,
		(SELECT count(*) FROM paidan.task WHERE status = 'done') AS done,
		(SELECT count(*) FROM paidan.task WHERE status = 'cancelled') AS cancelled,
		(SELECT count(*) FROM paidan.task WHERE status = 'assigned') AS assigned,
		(SELECT count(*) FROM paidan.assignment) AS assignments,
		(SELECT count(*) FROM paidan.assignment WHERE active) AS active,
		(SELECT count(*) FROM paidan.unassigned) AS unassigned,
		(SELECT count(*) FROM paidan.run_usage) AS usage,
		(SELECT count(*) FROM paidan.ledger) AS ledger,
		(SELECT count(*) FROM paidan.run_rollup) AS runrollup,
		(SELECT count(*) FROM paidan.task_rollup) AS taskrollup,
		(SELECT coalesce(sum(assignments), 0) FROM paidan.run_region_rollup) AS rolluprows,
		(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'
		   AND tgrelid IN ('paidan.task'::regclass, 'paidan.worker'::regclass,
		                   'paidan.assignment'::regclass, 'paidan.unassigned'::regclass)) AS disabledtriggers`,
	).Scan(&got.Runs, &got.Applied, &got.Skipped, &got.Failed, &got.Workers, &got.Tasks, &got.Done, &got.Cancelled,
		&got.Assigned, &got.Assignments, &got.Active, &got.Unassigned, &got.Usage, &got.Ledger, &got.RunRollup,
		&got.TaskRollup, &got.RollupRows, &got.DisabledTriggers); err != nil {
		t.Fatal(err)
	}
	// 300 runs: i%50 = 7 failed (6), else i%12 = 5 skipped (25 but 257,
	// which failed), else applied.
	checks := []struct {
		name      string
		got, want int64
	}{
		{"runs", got.Runs, 300},
		{"failed runs", got.Failed, 6},
		{"skipped runs", got.Skipped, 24},
		{"applied runs", got.Applied, 270},
		{"workers", got.Workers, 1000},
		{"tasks", got.Tasks, 2000},
		{"cancelled tasks (i%10 = 1)", got.Cancelled, 200},
		{"assigned tasks (the newest 1%, not cancelled)", got.Assigned, 18},
		{"done tasks", got.Done, 2000 - 200 - 18},
		{"assignment rows", got.Assignments, 4000},
		{"active assignments", got.Active, 18},
		{"usage rows (applied runs)", got.Usage, 270},
		{"ledger entries (every run)", got.Ledger, 300},
		{"runs rolled up (applied runs)", got.RunRollup, 270},
		{"tasks rolled up", got.TaskRollup, 2000},
		{"assignments rolled up", got.RollupRows, 4000},
		{"user triggers left disabled", got.DisabledTriggers, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	// A tenth of the tasks were left out by the run before their first,
	// except those whose first run is its partition's first applied run.
	if got.Unassigned < 150 || got.Unassigned > 200 {
		t.Errorf("unassigned rows: %d, want about 200 (a tenth of the tasks)", got.Unassigned)
	}
	if err := exportpg.CheckInvariants(ctx, db); err != nil {
		t.Errorf("invariants: %v", err)
	}
	r, err := ledgerpg.Verify(ctx, db, ledgerpg.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Errorf("ledger: %d finding(s); first: %s", r.Total, r.Findings[0])
	}
	if err := m.Generate(ctx, db.DB); err == nil {
		t.Error("a second month into the same database: no error")
	}
}
