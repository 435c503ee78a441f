package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
)

// unassignedRows returns run's paidan.unassigned rows as
// "task:reason:detail", in task order.
func unassignedRows(t *testing.T, db interface {
	Select(dest any, query string, args ...any) error
}, run string) string {
	t.Helper()
	var rows []string
	if err := db.Select(&rows, `SELECT task_id || ':' || reason || ':' || detail FROM paidan.unassigned
		WHERE run_id = $1 ORDER BY task_id`, run); err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, ",")
}

// TestApplyRecordsUnassigned: an applied run stores one paidan.unassigned
// row for each task the plan left out (the planner's reason and detail) and
// for each assignment the write-back refused (its conflict kind); with its
// assignments they cover every task it considered, once.
func TestApplyRecordsUnassigned(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t-ok", "t-edited", "t-far", "t-skill")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t-ok=w1", "t-edited=w1")
	p.Unassigned = []paidan.Unassigned{
		{Task: "t-far", Reason: paidan.OutOfRange, Detail: "nearest worker 41 km away, limit 30 km"},
		{Task: "t-skill", Reason: paidan.NoSkill, Detail: strings.Repeat("x", 2100)},
	}
	exec(t, db, `UPDATE paidan.task SET priority = 2 WHERE id = 't-edited'`)

	res := apply(t, db, "run-1", p, b)
	if res.Assigned != 1 || len(res.Conflicts) != 1 {
		t.Fatalf("result %+v; want 1 assigned and 1 conflict", res)
	}
	want := "t-edited:task_changed:planned for worker w1, refused by the write-back," +
		"t-far:out_of_range:nearest worker 41 km away, limit 30 km," +
		"t-skill:no_skill:" + strings.Repeat("x", 2000)
	if got := unassignedRows(t, db, "run-1"); got != want {
		t.Errorf("unassigned rows\n got %s\nwant %s", got, want)
	}
	if n := count(t, db, `SELECT (SELECT count(*) FROM paidan.assignment WHERE run_id = 'run-1')
			+ (SELECT count(*) FROM paidan.unassigned WHERE run_id = 'run-1')`); n != len(b.Tasks) {
		t.Errorf("assignments + unassigned rows of run-1 = %d, want every task considered, %d", n, len(b.Tasks))
	}
}

// TestApplyUnassignedIsAllOrNothing makes storing the unassigned rows fail,
// after the tasks were assigned in the same transaction: nothing of the run
// stays, and once the cause is gone the same run applies whole.
func TestApplyUnassignedIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t1=w1")
	p.Unassigned = []paidan.Unassigned{{Task: "t2", Reason: paidan.NoCapacity, Detail: "region r1 full"}}
	before := snapshot(t, db)
	exec(t, db, `CREATE FUNCTION paidan.fail() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
	exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON paidan.unassigned FOR EACH ROW EXECUTE FUNCTION paidan.fail()`)

	if _, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1"}, p, b); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("Apply = %v; want the injected failure", err)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("a failed Apply changed the tables\nbefore %+v\n after %+v", before, after)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.unassigned`); n != 0 {
		t.Errorf("%d unassigned rows after a failed Apply, want 0", n)
	}

	exec(t, db, `DROP TRIGGER fail ON paidan.unassigned`)
	exec(t, db, `DROP FUNCTION paidan.fail()`)
	if res := apply(t, db, "run-1", p, b); res.Assigned != 1 {
		t.Errorf("retry assigned %d, want 1", res.Assigned)
	}
	if got, want := unassignedRows(t, db, "run-1"), "t2:no_capacity:region r1 full"; got != want {
		t.Errorf("unassigned rows %q, want %q", got, want)
	}
}

// TestApplyRejectsUnassignedThatDoNotMatch: the tasks a plan leaves out
// must be tasks of its batch that it does not also assign, each once, with
// a known reason.
func TestApplyRejectsUnassignedThatDoNotMatch(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	for _, tc := range []struct {
		name string
		left []paidan.Unassigned
	}{
		{"unknown task", []paidan.Unassigned{{Task: "t9", Reason: paidan.NoSkill}}},
		{"assigned and unassigned", []paidan.Unassigned{{Task: "t1", Reason: paidan.NoSkill}}},
		{"unassigned twice", []paidan.Unassigned{{Task: "t2", Reason: paidan.NoSkill}, {Task: "t2", Reason: paidan.NoRegion}}},
		{"no reason", []paidan.Unassigned{{Task: "t2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := plan(t, "run-1", b, "t1=w1")
			p.Unassigned = tc.left
			if _, err := postgres.Apply(context.Background(), db, paidan.Run{ID: "run-1"}, p, b); !errors.Is(err, postgres.ErrPlanMismatch) {
				t.Errorf("Apply: %v, want ErrPlanMismatch", err)
			}
		})
	}
	if got := snapshot(t, db); got.Runs != "" || got.Assignments != 0 {
		t.Errorf("rejected plans wrote %+v", got)
	}
}
