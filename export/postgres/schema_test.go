package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestSchemaEnforcesTheStatusMachine tries every status change and the
// writes the schema forbids, on a task assigned by a real write-back.
func TestSchemaEnforcesTheStatusMachine(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 2})
	addTasks(t, db, "north", "t-assigned", "t-pending")
	b := load(t, db, "north")
	apply(t, db, "run-1", plan(t, "run-1", b, "t-assigned=w1"), b)

	for _, tc := range []struct {
		name, query string
		code        string // SQLSTATE expected; "" means the statement succeeds
	}{
		{"new task must be pending", `INSERT INTO paidan.task (id, partition, lat, lon, status) VALUES ('t-x', 'north', 0, 0, 'done')`, "23514"},
		{"pending cannot be done", `UPDATE paidan.task SET status = 'done' WHERE id = 't-pending'`, "23514"},
		{"pending cannot be assigned without a worker", `UPDATE paidan.task SET status = 'assigned' WHERE id = 't-pending'`, "23514"},
		{"assigned worker does not change", `UPDATE paidan.task SET assigned_worker = 'w1', assigned_run = NULL WHERE id = 't-assigned'`, "23514"},
		{"load is not written directly", `UPDATE paidan.worker SET load = 0 WHERE id = 'w1'`, "23514"},
		{"new worker has no load", `INSERT INTO paidan.worker (id, partition, capacity, load, lat, lon) VALUES ('w-x', 'north', 5, 1, 0, 0)`, "23514"},
		{"capacity not below load", `UPDATE paidan.worker SET capacity = 0 WHERE id = 'w1'`, "23514"},
		{"worker with tasks is not deleted", `DELETE FROM paidan.worker WHERE id = 'w1'`, "23503"},
		{"shift ends after it starts", `UPDATE paidan.worker SET shift_start = '2026-01-02', shift_end = '2026-01-01' WHERE id = 'w1'`, "23514"},
		{"applied run is final", `UPDATE paidan.run SET status = 'failed' WHERE id = 'run-1'`, "23514"},
		{"applied run needs a verified certificate", `INSERT INTO paidan.run (id, partition, status, finished_at, certificate) VALUES ('r-x', 'north', 'applied', now(), 'failed')`, "23514"},
		{"editing a business column works", `UPDATE paidan.task SET priority = 3 WHERE id = 't-pending'`, ""},
		{"capacity may rise", `UPDATE paidan.worker SET capacity = 4 WHERE id = 'w1'`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Exec(tc.query)
			if got := pqCode(err); got != tc.code {
				t.Errorf("%s: error %v (SQLSTATE %q), want SQLSTATE %q", tc.query, err, got, tc.code)
			}
		})
	}
	if n := count(t, db, `SELECT version FROM paidan.task WHERE id = 't-pending'`); n != 2 {
		t.Errorf("version after one update = %d, want 2", n)
	}

	// Unassign: back to pending, the worker remembered, its load released,
	// the assignment retired; the next run may assign the task again.
	exec(t, db, `UPDATE paidan.task SET status = 'pending' WHERE id = 't-assigned'`)
	var got struct {
		Previous string `db:"previous_worker"`
		Load     int    `db:"load"`
		Active   int    `db:"active"`
	}
	if err := db.Get(&got, `SELECT t.previous_worker, w.load,
			(SELECT count(*) FROM paidan.assignment WHERE active) AS active
		FROM paidan.task t, paidan.worker w WHERE t.id = 't-assigned' AND w.id = 'w1'`); err != nil {
		t.Fatal(err)
	}
	if got.Previous != "w1" || got.Load != 0 || got.Active != 0 {
		t.Errorf("after unassign: previous worker %q, load %d, %d active assignments; want w1, 0, 0", got.Previous, got.Load, got.Active)
	}
	b = load(t, db, "north")
	if res := apply(t, db, "run-2", plan(t, "run-2", b, "t-assigned=w1", "t-pending=w1"), b); res.Assigned != 2 {
		t.Errorf("reassigning after unassign: %d assigned, want 2", res.Assigned)
	}
	exec(t, db, `UPDATE paidan.task SET status = 'done' WHERE id = 't-assigned'`)
	exec(t, db, `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-pending'`)
	if n := count(t, db, `SELECT load FROM paidan.worker WHERE id = 'w1'`); n != 0 {
		t.Errorf("load after done and cancel = %d, want 0", n)
	}
	if _, err := db.Exec(`UPDATE paidan.task SET status = 'pending' WHERE id = 't-assigned'`); pqCode(err) != "23514" {
		t.Errorf("reopening a done task: %v, want a check violation", err)
	}
}

func TestOneActiveAssignmentPerTask(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 2, "w2": 2})
	addTasks(t, db, "north", "t1")
	b := load(t, db, "north")
	apply(t, db, "run-1", plan(t, "run-1", b, "t1=w1"), b)
	exec(t, db, `INSERT INTO paidan.run (id, partition) VALUES ('run-2', 'north')`)
	_, err := db.Exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel,
		cost_balance, cost_stability) VALUES ('run-2', 't1', 'w2', 0, 0, 0, 0)`)
	if pqCode(err) != "23505" || !strings.Contains(err.Error(), "assignment_task_active") {
		t.Errorf("second active assignment: %v; want a unique violation of assignment_task_active", err)
	}
	// Inactive ones (history) are fine, any number of them (migration
	// 00067: their key in assignment_task_active is (task, NULL)).
	exec(t, db, `INSERT INTO paidan.run (id, partition) VALUES ('run-3', 'north')`)
	for _, run := range []string{"run-2", "run-3"} {
		exec(t, db, `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel,
			cost_balance, cost_stability, active) VALUES ($1, 't1', 'w2', 0, 0, 0, 0, false)`, run)
	}
	// One run assigns a task once, active or not: the primary key
	// (run_id, task_id).
	_, err = db.Exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel,
		cost_balance, cost_stability, active) VALUES ('run-3', 't1', 'w1', 0, 0, 0, 0, false)`)
	if pqCode(err) != "23505" || !strings.Contains(err.Error(), "assignment_pkey") {
		t.Errorf("a run's second assignment of a task: %v; want a unique violation of assignment_pkey", err)
	}
	exec(t, db, `DELETE FROM paidan.assignment WHERE run_id IN ('run-2', 'run-3')`)
}

// TestCheckInvariantsFindsViolations breaks the invariants behind the
// schema's back (triggers disabled) and expects the checker to name them.
func TestCheckInvariantsFindsViolations(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t) // no end-of-test check: this test breaks the data on purpose
	ctx := context.Background()
	addWorkers(t, db, "north", map[string]int{"w1": 1})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	apply(t, db, "run-1", plan(t, "run-1", b, "t1=w1"), b)
	if err := postgres.CheckInvariants(ctx, db); err != nil {
		t.Fatalf("sound data: %v", err)
	}
	exec(t, db, `ALTER TABLE paidan.task DISABLE TRIGGER USER`)
	exec(t, db, `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w1', assigned_run = 'run-1' WHERE id = 't2'`)
	err := postgres.CheckInvariants(ctx, db)
	if !errors.Is(err, postgres.ErrInvariant) {
		t.Fatalf("CheckInvariants = %v, want ErrInvariant", err)
	}
	for _, want := range []string{
		"worker load differs from its assigned tasks: w1",
		"worker holds more assigned tasks than its capacity: w1",
		"assigned task without exactly one active assignment: t2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckInvariants error %q does not report %q", err, want)
		}
	}
}

// TestRuntimeRole runs a load and a write-back as a login role that holds
// only paidan_runtime, then tries what that role must not do.
func TestRuntimeRole(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	checkInvariantsAtEnd(t, owner)
	ctx := context.Background()
	addWorkers(t, owner, "north", map[string]int{"w1": 2})
	addTasks(t, owner, "north", "t1", "t2")

	b, _, err := ingestpg.Load(ctx, runtime, "north", ingestpg.LoadOptions{})
	if err != nil {
		t.Fatalf("Load as runtime: %v", err)
	}
	if res, err := postgres.Apply(ctx, runtime, paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t1=w1"), b); err != nil || res.Assigned != 1 {
		t.Fatalf("Apply as runtime: %+v, %v; want 1 assigned", res, err)
	}
	if err := postgres.RecordRun(ctx, runtime, paidan.Run{ID: "run-2", Partition: "north", Status: paidan.RunFailed, Error: "x"}); err != nil {
		t.Fatalf("RecordRun as runtime: %v", err)
	}
	if _, err := postgres.WasApplied(ctx, runtime, "run-1"); err != nil {
		t.Fatalf("WasApplied as runtime: %v", err)
	}

	for _, q := range []string{
		`DROP TABLE paidan.task`,
		`TRUNCATE paidan.run`,
		`DELETE FROM paidan.worker`,
		`DELETE FROM paidan.task`,
		`DELETE FROM paidan.run`,
		`INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('t9', 'north', 0, 0)`,
		`INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w9', 'north', 1, 0, 0)`,
		`UPDATE paidan.task SET priority = 9`,
		`UPDATE paidan.task SET version = 1`,
		`UPDATE paidan.worker SET capacity = 100`,
		`UPDATE paidan.worker SET load = 0`,
		`UPDATE paidan.assignment SET active = false`,
		`UPDATE paidan.run SET id = 'x'`,
		`CREATE TABLE paidan.scratch (id int)`,
		`ALTER TABLE paidan.task DISABLE TRIGGER USER`,
	} {
		t.Run(q, func(t *testing.T) {
			if _, err := runtime.Exec(q); pqCode(err) != "42501" {
				t.Errorf("%s as runtime: %v; want insufficient_privilege (42501)", q, err)
			}
		})
	}
}

// TestLockWorkersLocksEveryWorker: the write-back's lock covers each worker
// it names, not only the first.
func TestLockWorkersLocksEveryWorker(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 1, "w2": 1, "w3": 1, "w4": 1})
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec(t, tx, `SELECT paidan.lock_workers('{w3,w1,w2}')`)
	for _, tc := range []struct {
		id     string
		locked bool
	}{{"w1", true}, {"w2", true}, {"w3", true}, {"w4", false}} {
		_, err := db.Exec(`SELECT FROM paidan.worker WHERE id = $1 FOR UPDATE NOWAIT`, tc.id)
		if locked := pqCode(err) == "55P03"; locked != tc.locked || (err != nil && !locked) {
			t.Errorf("worker %s: locking it elsewhere gave %v; want locked = %v", tc.id, err, tc.locked)
		}
	}
}

// TestSchemaChecksReferences tries writes that the foreign keys must reject
// with SQLSTATE 23503, in the order given, on the state a real write-back
// left, and checks that deleting a task deletes its assignments.
func TestSchemaChecksReferences(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 2, "w2": 1})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	apply(t, db, "run-1", plan(t, "run-1", b, "t1=w1"), b)

	const insert = `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel,
		cost_balance, cost_stability, active) VALUES `
	for _, tc := range []struct {
		name, query string
		code        string // SQLSTATE expected; "" means the statement succeeds
	}{
		{"assignment of an unknown task", insert + `('run-1', 't-none', 'w1', 0, 0, 0, 0, false)`, "23503"},
		{"assignment of an unknown worker", insert + `('run-1', 't2', 'w-none', 0, 0, 0, 0, false)`, "23503"},
		{"assignment of an unknown run", insert + `('run-none', 't2', 'w1', 0, 0, 0, 0, false)`, "23503"},
		{"many rows, one bad", insert + `('run-1', 't2', 'w2', 0, 0, 0, 0, false), ('run-none', 't1', 'w1', 0, 0, 0, 0, false)`, "23503"},
		{"assignment to an unknown worker", `UPDATE paidan.assignment SET worker_id = 'w-none' WHERE task_id = 't1'`, "23503"},
		{"task assigned to an unknown worker", `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w-none', assigned_run = 'run-1' WHERE id = 't2'`, "23503"},
		{"task assigned by an unknown run", `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w2', assigned_run = 'run-none' WHERE id = 't2'`, "23503"},
		{"referenced worker keeps its id", `UPDATE paidan.worker SET id = 'w9' WHERE id = 'w1'`, "23503"},
		{"referenced run is not deleted", `DELETE FROM paidan.run WHERE id = 'run-1'`, "23503"},
		{"unreferenced worker is renamed", `UPDATE paidan.worker SET id = 'w3' WHERE id = 'w2'`, ""},
		{"history with known references is kept", insert + `('run-1', 't2', 'w3', 0, 0, 0, 0, false)`, ""},
		// t1 goes back to pending: no task references w1 any more, only
		// run-1's (now inactive) assignment does.
		{"unassign", `UPDATE paidan.task SET status = 'pending' WHERE id = 't1'`, ""},
		{"worker referenced by history only is not deleted", `DELETE FROM paidan.worker WHERE id = 'w1'`, "23503"},
		{"worker referenced by history is not renamed", `UPDATE paidan.worker SET id = 'w9' WHERE id = 'w1'`, "23503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Exec(tc.query)
			if got := pqCode(err); got != tc.code {
				t.Errorf("%s: error %v (SQLSTATE %q), want SQLSTATE %q", tc.query, err, got, tc.code)
			}
		})
	}

	// Deleting a task deletes its assignments (t2's history row: ON DELETE
	// CASCADE) and leaves the others.
	exec(t, db, `DELETE FROM paidan.task WHERE id = 't2'`)
	if n := count(t, db, `SELECT count(*) FROM paidan.assignment WHERE task_id = 't2'`); n != 0 {
		t.Errorf("assignments of a deleted task = %d, want 0", n)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.assignment WHERE task_id = 't1'`); n != 1 {
		t.Errorf("assignments of t1 after deleting t2 = %d, want 1", n)
	}
}
