package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestApplyWritesThePlan(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	addWorkers(t, db, "north", map[string]int{"w1": 2, "w2": 1})
	addWorkers(t, db, "south", map[string]int{"w3": 1})
	addTasks(t, db, "north", "t1", "t2", "t3", "t4")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t1=w1", "t2=w1", "t3=w2")
	p.KPIs.Overall.UnassignedByReason = map[paidan.Reason]int{paidan.NoCapacity: 1}
	p.KPIs.ByRegion = []paidan.RegionSummary{{Region: "r1", Summary: paidan.Summary{Tasks: 4, Assigned: 3}}}
	started := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

	res, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1", StartedAt: started}, p, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != "run-1" || res.Assigned != 3 || len(res.Conflicts) != 0 {
		t.Fatalf("result %+v; want run-1 with 3 assigned and no conflicts", res)
	}
	got := snapshot(t, db)
	want := state{
		Tasks:       "t1:assigned:w1:run-1:2,t2:assigned:w1:run-1:2,t3:assigned:w2:run-1:2,t4:pending:-:-:1",
		Loads:       "w1:2,w2:1,w3:0",
		Assignments: 3,
		Runs:        "run-1:applied",
	}
	if got != want {
		t.Errorf("after apply\n got %+v\nwant %+v", got, want)
	}
	var costs []struct {
		Task  string  `db:"task_id"`
		Total float64 `db:"cost_total"`
	}
	if err := db.Select(&costs, `SELECT task_id, cost_total FROM paidan.assignment WHERE active ORDER BY task_id`); err != nil {
		t.Fatal(err)
	}
	if len(costs) != 3 || costs[0].Total != 1 || costs[1].Total != 2 || costs[2].Total != 3 {
		t.Errorf("assignment costs %+v; want totals 1, 2, 3", costs)
	}

	run, err := postgres.LookupRun(ctx, db, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if !run.StartedAt.Equal(started) || run.FinishedAt.Before(started) {
		t.Errorf("run started %v finished %v; want started %v and finished after", run.StartedAt, run.FinishedAt, started)
	}
	run.StartedAt, run.FinishedAt = time.Time{}, time.Time{}
	wantRun := paidan.Run{ID: "run-1", Partition: "north", Status: paidan.RunApplied, Assigned: 3}
	wantRun.SetPlan(p)
	if !reflect.DeepEqual(*run, wantRun) {
		t.Errorf("run record\n got %+v\nwant %+v", *run, wantRun)
	}
	if ok, err := postgres.WasApplied(ctx, db, "run-1"); err != nil || !ok {
		t.Errorf("WasApplied(run-1) = %v, %v; want true", ok, err)
	}
	if ok, err := postgres.WasApplied(ctx, db, "run-2"); err != nil || ok {
		t.Errorf("WasApplied(run-2) = %v, %v; want false", ok, err)
	}
}

func TestApplyEmptyPlanRecordsTheRun(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addTasks(t, db, "north", "t1")
	b := load(t, db, "north")
	res := apply(t, db, "run-1", plan(t, "run-1", b), b)
	if res.Assigned != 0 || len(res.Conflicts) != 0 {
		t.Errorf("result %+v; want nothing assigned", res)
	}
	if got := snapshot(t, db).Runs; got != "run-1:applied" {
		t.Errorf("runs %q, want run-1:applied", got)
	}
}

// TestApplyConflicts changes tasks and workers between the load and the
// write-back: every changed one is refused, counted by kind and left alone.
func TestApplyConflicts(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 10, "w-off": 10, "w-moved": 10, "w-gone": 10})
	addTasks(t, db, "north", "t-ok", "t-edited", "t-cancelled", "t-deleted", "t-moved", "t-taken",
		"t-on-off", "t-on-moved", "t-on-gone")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t-ok=w1", "t-edited=w1", "t-cancelled=w1", "t-deleted=w1", "t-moved=w1",
		"t-taken=w1", "t-on-off=w-off", "t-on-moved=w-moved", "t-on-gone=w-gone")

	// Meanwhile, the business system...
	exec(t, db, `UPDATE paidan.task SET priority = 5 WHERE id = 't-edited'`)
	exec(t, db, `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-cancelled'`)
	exec(t, db, `DELETE FROM paidan.task WHERE id = 't-deleted'`)
	exec(t, db, `UPDATE paidan.task SET partition = 'south' WHERE id = 't-moved'`)
	exec(t, db, `UPDATE paidan.worker SET active = false WHERE id = 'w-off'`)
	exec(t, db, `UPDATE paidan.worker SET partition = 'south' WHERE id = 'w-moved'`)
	exec(t, db, `DELETE FROM paidan.worker WHERE id = 'w-gone'`)
	// ...and another run took t-taken.
	other := plan(t, "run-0", b, "t-taken=w1")
	apply(t, db, "run-0", other, b)
	before := snapshot(t, db)

	res := apply(t, db, "run-1", p, b)
	want := []postgres.Conflict{
		{Task: "t-cancelled", Worker: "w1", Kind: postgres.TaskCancelled},
		{Task: "t-deleted", Worker: "w1", Kind: postgres.TaskGone},
		{Task: "t-edited", Worker: "w1", Kind: postgres.TaskChanged},
		{Task: "t-moved", Worker: "w1", Kind: postgres.TaskGone},
		{Task: "t-on-gone", Worker: "w-gone", Kind: postgres.WorkerUnavailable},
		{Task: "t-on-moved", Worker: "w-moved", Kind: postgres.WorkerUnavailable},
		{Task: "t-on-off", Worker: "w-off", Kind: postgres.WorkerUnavailable},
		{Task: "t-taken", Worker: "w1", Kind: postgres.TaskChanged},
	}
	if res.Assigned != 1 || !reflect.DeepEqual(res.Conflicts, want) {
		t.Errorf("result: %d assigned, conflicts\n%+v\nwant 1 assigned, conflicts\n%+v", res.Assigned, res.Conflicts, want)
	}
	wantCounts := map[postgres.ConflictKind]int{postgres.TaskCancelled: 1, postgres.TaskGone: 2,
		postgres.TaskChanged: 2, postgres.WorkerUnavailable: 3}
	if got := res.ConflictCounts(); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("ConflictCounts = %v, want %v", got, wantCounts)
	}
	// Only t-ok changed.
	if n := count(t, db, `SELECT count(*) FROM paidan.task WHERE assigned_run = 'run-1'`); n != 1 {
		t.Errorf("%d tasks assigned by run-1, want 1", n)
	}
	after := snapshot(t, db)
	if after.Assignments != before.Assignments+1 {
		t.Errorf("assignments went from %d to %d, want one more", before.Assignments, after.Assignments)
	}
	run, err := postgres.LookupRun(context.Background(), db, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.Assigned != 1 || run.Conflicts != 8 {
		t.Errorf("run record: %d assigned, %d conflicts; want 1 and 8", run.Assigned, run.Conflicts)
	}
}

// TestApplyRechecksCapacity: another run took the worker's capacity after
// this run's load; the write-back assigns only what is left, highest
// priority first, and never exceeds capacity.
func TestApplyRechecksCapacity(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 3})
	addTasks(t, db, "north", "a", "b", "c", "d", "e")
	exec(t, db, `UPDATE paidan.task SET priority = 7 WHERE id = 'e'`)
	b := load(t, db, "north")

	apply(t, db, "run-0", plan(t, "run-0", b, "a=w1", "b=w1"), b) // one unit left
	res := apply(t, db, "run-1", plan(t, "run-1", b, "c=w1", "d=w1", "e=w1"), b)
	want := []postgres.Conflict{
		{Task: "c", Worker: "w1", Kind: postgres.WorkerFull},
		{Task: "d", Worker: "w1", Kind: postgres.WorkerFull},
	}
	if res.Assigned != 1 || !reflect.DeepEqual(res.Conflicts, want) {
		t.Errorf("result %d assigned, conflicts %+v; want 1 (task e, priority 7) and %+v", res.Assigned, res.Conflicts, want)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.task WHERE id = 'e' AND assigned_run = 'run-1'`); n != 1 {
		t.Error("the high-priority task e did not get the last unit of capacity")
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.worker w WHERE w.load > w.capacity
			OR (SELECT count(*) FROM paidan.task t WHERE t.assigned_worker = w.id AND t.status = 'assigned') > w.capacity`); n != 0 {
		t.Errorf("%d workers over capacity", n)
	}
}

// TestConcurrentAppliesNeverExceedCapacity runs several write-backs of
// different plans for the same workers at once, in opposite worker orders.
// They must all finish (no deadlock) and together stay within capacity.
func TestConcurrentAppliesNeverExceedCapacity(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 5, "w2": 5})
	tasks := ids("t", 40)
	addTasks(t, db, "north", tasks...)
	b := load(t, db, "north")
	const runs = 4
	var wg sync.WaitGroup
	results := make([]*postgres.ApplyResult, runs)
	errs := make([]error, runs)
	for r := range runs {
		var pairs []string
		for i := r * 10; i < r*10+10; i++ {
			w := []string{"w1", "w2"}[(i+r)%2]
			pairs = append(pairs, tasks[i]+"="+w)
		}
		id := []string{"run-a", "run-b", "run-c", "run-d"}[r]
		p := plan(t, id, b, pairs...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[r], errs[r] = postgres.Apply(context.Background(), db, paidan.Run{ID: id}, p, b)
		}()
	}
	wg.Wait()
	assigned := 0
	for r := range runs {
		if errs[r] != nil {
			t.Fatalf("run %d: %v", r, errs[r])
		}
		assigned += results[r].Assigned
		for _, c := range results[r].Conflicts {
			if c.Kind != postgres.WorkerFull {
				t.Errorf("run %d: conflict %+v, want only worker_full", r, c)
			}
		}
	}
	if assigned != 10 {
		t.Errorf("%d tasks assigned in total, want exactly the capacity, 10", assigned)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.task WHERE status = 'assigned'`); n != 10 {
		t.Errorf("%d assigned tasks in the table, want 10", n)
	}
}

// TestApplyAtMostOnce applies one run id twice, in sequence and at once: one
// write-back happens, every other attempt is a no-op reporting
// ErrAlreadyApplied.
func TestApplyAtMostOnce(t *testing.T) {
	t.Parallel()
	t.Run("sequential", func(t *testing.T) {
		t.Parallel()
		db := newDB(t)
		ctx := context.Background()
		addWorkers(t, db, "north", map[string]int{"w1": 5})
		addTasks(t, db, "north", "t1", "t2")
		b := load(t, db, "north")
		p := plan(t, "run-1", b, "t1=w1")
		apply(t, db, "run-1", p, b)
		before := snapshot(t, db)
		// A retry, perhaps with a plan that differs, as after a lost COMMIT.
		if applied, err := postgres.WasApplied(ctx, db, "run-1"); err != nil || !applied {
			t.Fatalf("WasApplied = %v, %v; want true", applied, err)
		}
		_, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t1=w1", "t2=w1"), b)
		if !errors.Is(err, postgres.ErrAlreadyApplied) {
			t.Fatalf("second Apply: %v, want ErrAlreadyApplied", err)
		}
		if after := snapshot(t, db); after != before {
			t.Errorf("second Apply changed the tables\nbefore %+v\n after %+v", before, after)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		db := newDB(t)
		addWorkers(t, db, "north", map[string]int{"w1": 5})
		addTasks(t, db, "north", "t1", "t2")
		b := load(t, db, "north")
		p := plan(t, "run-1", b, "t1=w1", "t2=w1")
		const tries = 4
		errs := make(chan error, tries)
		for range tries {
			go func() {
				_, err := postgres.Apply(context.Background(), db, paidan.Run{ID: "run-1"}, p, b)
				errs <- err
			}()
		}
		ok := 0
		for range tries {
			switch err := <-errs; {
			case err == nil:
				ok++
			case !errors.Is(err, postgres.ErrAlreadyApplied):
				t.Errorf("Apply: %v, want nil or ErrAlreadyApplied", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d applies succeeded, want 1", ok)
		}
		if n := count(t, db, `SELECT count(*) FROM paidan.assignment`); n != 2 {
			t.Errorf("%d assignments, want 2", n)
		}
	})
}

// TestApplyFailureLeavesNothing makes the write-back fail after the tasks
// were updated (a trigger rejects the assignment rows): the transaction rolls
// back entirely, and once the cause is gone the same run applies.
func TestApplyFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t1=w1", "t2=w1")
	before := snapshot(t, db)
	exec(t, db, `CREATE FUNCTION paidan.fail() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
	exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON paidan.assignment FOR EACH ROW EXECUTE FUNCTION paidan.fail()`)

	if _, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1"}, p, b); err == nil {
		t.Fatal("Apply succeeded despite the failing trigger")
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("a failed Apply changed the tables\nbefore %+v\n after %+v", before, after)
	}
	if applied, err := postgres.WasApplied(ctx, db, "run-1"); err != nil || applied {
		t.Errorf("WasApplied = %v, %v after a failed Apply; want false", applied, err)
	}

	exec(t, db, `DROP TRIGGER fail ON paidan.assignment`)
	if res := apply(t, db, "run-1", p, b); res.Assigned != 2 {
		t.Errorf("retry assigned %d, want 2", res.Assigned)
	}
}

// TestApplyCancelledMidwayLeavesNothing cancels the context while the
// write-back waits for a worker lock, after its COPY and before its UPDATE.
func TestApplyCancelledMidwayLeavesNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t1", "t2")
	b := load(t, db, "north")
	p := plan(t, "run-1", b, "t1=w1", "t2=w1")
	before := snapshot(t, db)

	holder, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	exec(t, holder, `SELECT FROM paidan.worker WHERE id = 'w1' FOR UPDATE`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1"}, p, b)
		done <- err
	}()
	wait, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	pgtest.WaitForLockWait(t, wait, db, "%apply_run%")
	cancel()
	if err := <-done; err == nil {
		t.Fatal("Apply succeeded although its context was cancelled")
	} else if !errors.Is(err, context.Canceled) && pqCode(err) != "57014" {
		t.Errorf("Apply: %v; want a cancellation", err)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("a cancelled Apply changed the tables\nbefore %+v\n after %+v", before, after)
	}
}

func TestApplyRejectsPlansThatDoNotMatch(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 5})
	addTasks(t, db, "north", "t1")
	b := load(t, db, "north")
	unverified := plan(t, "run-1", b, "t1=w1")
	unverified.Certificate = paidan.CertificateFailed
	for _, tc := range []struct {
		name string
		run  paidan.Run
		plan *paidan.Plan
		want error
	}{
		{"unverified certificate", paidan.Run{ID: "run-1"}, unverified, paidan.ErrCertificate},
		{"unknown task", paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t9=w1"), postgres.ErrPlanMismatch},
		{"unknown worker", paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t1=w9"), postgres.ErrPlanMismatch},
		{"task twice", paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t1=w1", "t1=w1"), postgres.ErrPlanMismatch},
		{"other run", paidan.Run{ID: "run-2"}, plan(t, "run-1", b, "t1=w1"), postgres.ErrPlanMismatch},
		{"other partition", paidan.Run{ID: "run-1", Partition: "south"}, plan(t, "run-1", b, "t1=w1"), postgres.ErrPlanMismatch},
		{"no run id", paidan.Run{}, plan(t, "", b, "t1=w1"), postgres.ErrPlanMismatch},
		{"no plan", paidan.Run{ID: "run-1"}, nil, postgres.ErrPlanMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := postgres.Apply(context.Background(), db, tc.run, tc.plan, b); !errors.Is(err, tc.want) {
				t.Errorf("Apply: %v, want %v", err, tc.want)
			}
		})
	}
	if got := snapshot(t, db); got.Runs != "" || got.Assignments != 0 {
		t.Errorf("rejected plans wrote %+v", got)
	}
}

func TestRecordRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("failed, then apply refused", func(t *testing.T) {
		t.Parallel()
		db := newDB(t)
		addWorkers(t, db, "north", map[string]int{"w1": 5})
		addTasks(t, db, "north", "t1")
		b := load(t, db, "north")
		if err := postgres.RecordRun(ctx, db, paidan.Run{ID: "run-1", Partition: "north"}); err != nil {
			t.Fatalf("record running: %v", err)
		}
		if err := postgres.RecordRun(ctx, db, paidan.Run{ID: "run-1", Partition: "north"}); !errors.Is(err, postgres.ErrRunExists) {
			t.Errorf("record running twice: %v, want ErrRunExists", err)
		}
		failed := paidan.Run{ID: "run-1", Partition: "north", Status: paidan.RunFailed, Error: "solver: context deadline exceeded"}
		if err := postgres.RecordRun(ctx, db, failed); err != nil {
			t.Fatalf("record failed: %v", err)
		}
		got, err := postgres.LookupRun(ctx, db, "run-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != paidan.RunFailed || got.Error != failed.Error || got.FinishedAt.Before(got.StartedAt) {
			t.Errorf("run record %+v; want failed with its error, finished after start", got)
		}
		if _, err := postgres.Apply(ctx, db, paidan.Run{ID: "run-1"}, plan(t, "run-1", b, "t1=w1"), b); !errors.Is(err, postgres.ErrRunFinished) {
			t.Errorf("Apply of a failed run: %v, want ErrRunFinished", err)
		}
		if err := postgres.RecordRun(ctx, db, failed); !errors.Is(err, postgres.ErrRunFinished) {
			t.Errorf("record failed twice: %v, want ErrRunFinished", err)
		}
	})
	t.Run("skipped without start", func(t *testing.T) {
		t.Parallel()
		db := newDB(t)
		skipped := paidan.Run{ID: "run-1", Partition: "north", Status: paidan.RunSkipped, Error: "no pending tasks"}
		if err := postgres.RecordRun(ctx, db, skipped); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, db).Runs; got != "run-1:skipped" {
			t.Errorf("runs %q, want run-1:skipped", got)
		}
	})
	t.Run("applied run is final", func(t *testing.T) {
		t.Parallel()
		db := newDB(t)
		b := load(t, db, "north")
		apply(t, db, "run-1", plan(t, "run-1", b), b)
		err := postgres.RecordRun(ctx, db, paidan.Run{ID: "run-1", Partition: "north", Status: paidan.RunFailed})
		if !errors.Is(err, postgres.ErrAlreadyApplied) {
			t.Errorf("record failed after apply: %v, want ErrAlreadyApplied", err)
		}
		if err := postgres.RecordRun(ctx, db, paidan.Run{ID: "run-2", Status: paidan.RunApplied}); err == nil {
			t.Error("RecordRun recorded an applied run")
		}
		if _, err := postgres.LookupRun(ctx, db, "run-9"); !errors.Is(err, postgres.ErrRunNotFound) {
			t.Errorf("LookupRun of a missing run: %v, want ErrRunNotFound", err)
		}
	})
}

// TestApplySmallPlanOnALargeTable: a plan that is a small part of the task
// table is written with index probes rather than hash joins (apply_run
// allows nested loops then); the outcome is the same, capacity ranking
// included.
func TestApplySmallPlanOnALargeTable(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	addWorkers(t, db, "north", map[string]int{"w1": 1, "w2": 5})
	addTasks(t, db, "north", ids("t", 300)...)
	exec(t, db, `UPDATE paidan.task SET priority = 3 WHERE id = 't000002'`)
	exec(t, db, `ANALYZE paidan.task`)
	b := load(t, db, "north")
	res := apply(t, db, "run-1", plan(t, "run-1", b, "t000001=w1", "t000002=w1", "t000003=w2"), b)
	want := []postgres.Conflict{{Task: "t000001", Worker: "w1", Kind: postgres.WorkerFull}}
	if res.Assigned != 2 || !reflect.DeepEqual(res.Conflicts, want) {
		t.Errorf("result %d assigned, conflicts %+v; want 2 (t000002 by priority, t000003) and %+v", res.Assigned, res.Conflicts, want)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.task WHERE assigned_run = 'run-1' AND id IN ('t000002', 't000003')`); n != 2 {
		t.Errorf("%d of t000002 and t000003 assigned by run-1, want 2", n)
	}
}
