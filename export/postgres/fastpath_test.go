package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestApplyRecordsAsOf checks that Apply, as the runtime role, records the
// plan's AsOf as the run's as_of in the write-back's own transaction, and
// that the run is final afterwards: as_of is not set again.
func TestApplyRecordsAsOf(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 2})
	addTasks(t, owner, "north", "t1", "t2")
	b := load(t, owner, "north")
	asOf := time.Date(2026, 12, 3, 9, 30, 0, 123456000, time.UTC)
	p := plan(t, "run-1", b, "t1=w1")
	p.AsOf = asOf
	if _, err := postgres.Apply(context.Background(), runtime, paidan.Run{ID: "run-1"}, p, b); err != nil {
		t.Fatal(err)
	}
	var got time.Time
	if err := owner.Get(&got, `SELECT as_of FROM paidan.run WHERE id = 'run-1' AND status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(asOf) {
		t.Errorf("as_of %v, want the plan's AsOf %v", got, asOf)
	}
	if _, err := runtime.Exec(`UPDATE paidan.run SET as_of = now() WHERE id = 'run-1'`); pqCode(err) != "23514" {
		t.Errorf("setting as_of of an applied run again: err %v, want 23514", err)
	}
}

// applyPrevious is the call of the previous release: apply_run with 22
// arguments (no as_of), for run $1 assigning task $2 to worker $3 at
// version 1.
const applyPrevious = `SELECT * FROM paidan.apply_run($1, 'north', NULL, ARRAY[$2], ARRAY[$3], '{1}', '{0}',
	'{1}', '{1}', '{0}', '{0}', '{f}', '{}', '{}', '{}', '', '', 1, 1000, 1000, 'verified', '{}')`

// TestApplyRunPreviousForm checks that the previous release's call still
// writes back, leaves as_of to its caller, and that the caller's UPDATE of
// as_of afterwards still goes through, once.
func TestApplyRunPreviousForm(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 1})
	addTasks(t, owner, "north", "t1")
	if _, err := runtime.Exec(applyPrevious, "run-1", "t1", "w1"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, owner, `SELECT count(*) FROM paidan.task WHERE id = 't1' AND status = 'assigned' AND assigned_run = 'run-1'`); n != 1 {
		t.Fatalf("task t1 not assigned by run-1 (%d rows)", n)
	}
	if n := count(t, owner, `SELECT count(*) FROM paidan.run WHERE id = 'run-1' AND status = 'applied' AND assigned = 1 AND as_of IS NULL`); n != 1 {
		t.Fatal("run-1 is not applied with 1 assignment and no as_of")
	}
	if _, err := runtime.Exec(`UPDATE paidan.run SET as_of = now() WHERE id = 'run-1' AND as_of IS NULL`); err != nil {
		t.Errorf("the previous release's as_of update: %v", err)
	}
	if n := count(t, owner, `SELECT count(*) FROM paidan.run WHERE id = 'run-1' AND as_of IS NOT NULL`); n != 1 {
		t.Error("as_of not recorded by the previous release's update")
	}
}

// TestApplyRunRefusesATaskPlannedTwice calls apply_run directly with one
// task planned for two workers that both have room (the single-statement
// path): it is refused with PD003 and nothing is written.
func TestApplyRunRefusesATaskPlannedTwice(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 5, "w2": 5})
	addTasks(t, owner, "north", "t1", "t2")
	before := snapshot(t, owner)
	_, err := runtime.Exec(`SELECT * FROM paidan.apply_run('run-1', 'north', NULL, '{t1,t1,t2}', '{w1,w2,w1}', '{1,1,1}',
		'{0,0,0}', '{1,1,1}', '{1,1,1}', '{0,0,0}', '{0,0,0}', '{f,f,f}', '{}', '{}', '{}', '', '', 1, 1000, 1000,
		'verified', '{}', now())`)
	if pqCode(err) != "PD003" {
		t.Fatalf("a task planned twice: err %v, want PD003", err)
	}
	if after := snapshot(t, owner); after != before {
		t.Errorf("refused write-back changed the tables:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestApplyRunRefusesNullElements calls apply_run directly with a NULL in
// each array that the single-statement path reads by position (migration
// 00068): each call is refused with PD003 and nothing is written.
func TestApplyRunRefusesNullElements(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 5})
	addTasks(t, owner, "north", "t1", "t2")
	before := snapshot(t, owner)
	// version, distance, travel, balance, stability, pinned
	arrays := []string{"'{1,1}'", "'{1,1}'", "'{0,0}'", "'{0,0}'", "'{0,0}'", "'{f,f}'"}
	withNull := []string{"'{1,NULL}'", "'{1,NULL}'", "'{0,NULL}'", "'{0,NULL}'", "'{0,NULL}'", "'{f,NULL}'"}
	for i, name := range []string{"version", "distance", "travel", "balance", "stability", "pinned"} {
		args := append([]string(nil), arrays...)
		args[i] = withNull[i]
		_, err := runtime.Exec(`SELECT * FROM paidan.apply_run('run-` + name + `', 'north', NULL, '{t1,t2}', '{w1,w1}', ` +
			args[0] + `, '{0,0}', ` + strings.Join(args[1:], ", ") + `, '{}', '{}', '{}', '', '', 1, 1000, 1000,
			'verified', '{}', now())`)
		if pqCode(err) != "PD003" {
			t.Errorf("a NULL %s: err %v, want PD003", name, err)
		}
	}
	if after := snapshot(t, owner); after != before {
		t.Errorf("refused write-backs changed the tables:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestApplyRunReadsEachTasksOwnElements applies three assignments with
// distinct costs through the single-statement path, whose fixed-width
// arrays are read by position (migration 00068), and checks that each
// assignment row carries its own task's values.
func TestApplyRunReadsEachTasksOwnElements(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 5, "w2": 5})
	addTasks(t, owner, "north", "t1", "t2", "t3")
	if _, err := runtime.Exec(`SELECT * FROM paidan.apply_run('run-1', 'north', NULL, '{t3,t1,t2}', '{w2,w1,w2}',
		'{1,1,1}', '{0,0,0}', '{3,1,2}', '{30,10,20}', '{300,100,200}', '{3000,1000,2000}', '{t,f,f}', '{}', '{}', '{}',
		'', '', 1, 1000, 1000, 'verified', '{}', now())`); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := owner.Select(&got, `SELECT format('%s %s %s %s %s %s %s', task_id, worker_id, distance_km, cost_travel,
			cost_balance, cost_stability, pinned)
		FROM paidan.assignment WHERE run_id = 'run-1' ORDER BY task_id`); err != nil {
		t.Fatal(err)
	}
	want := []string{"t1 w1 1 10 100 1000 f", "t2 w2 2 20 200 2000 f", "t3 w2 3 30 300 3000 t"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("assignments %q; want %q", got, want)
	}
}

// TestReferenceChecksResumeAfterApply applies a plan and then, in the same
// transaction, writes an assignment naming an unknown worker as the schema
// owner: the reference check that apply_run's own statements skip checks
// every statement after it.
func TestReferenceChecksResumeAfterApply(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 2})
	addTasks(t, db, "north", "t1", "t2")
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(applyPrevious, "run-1", "t1", "w1"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel,
		cost_balance, cost_stability, active) VALUES ('run-1', 't2', 'w-none', 0, 0, 0, 0, false)`)
	if pqCode(err) != "23503" {
		t.Errorf("assignment of an unknown worker after apply_run: err %v, want 23503", err)
	}
}

// TestApplyRefusesACallersMarkerTable checks that a caller cannot make the
// reference checks skip its statements: a temporary table of the marker's
// name that the caller owns makes apply_run fail, with nothing written,
// and the caller's own statements are checked as before.
func TestApplyRefusesACallersMarkerTable(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 1})
	addTasks(t, owner, "north", "t1")
	before := snapshot(t, owner)
	tx, err := runtime.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TEMPORARY TABLE paidan_write_back ()`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(applyPrevious, "run-1", "t1", "w1"); err == nil {
		t.Fatal("apply_run ran beside the caller's marker table")
	}
	tx.Rollback()
	if after := snapshot(t, owner); after != before {
		t.Errorf("refused write-back changed the tables:\nbefore %+v\nafter  %+v", before, after)
	}
	var active bool
	if err := owner.Get(&active, `SELECT paidan.write_back_active()`); err != nil || active {
		t.Errorf("write_back_active() outside apply_run = %v, %v; want false", active, err)
	}
}
