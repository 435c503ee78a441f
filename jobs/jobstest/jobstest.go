// Package jobstest is the conformance suite of package jobs' interfaces,
// in the style of River's driver tests: Exercise runs the same behavioural
// tests — a run applies, skips what it cannot assign, excludes a second
// holder, applies a run id at most once, refuses an assignment whose task
// changed, names an unknown partition — over any implementation of
// jobs.Source, jobs.PlanWriter and jobs.Locker. The in-memory Memory and
// the PostgreSQL adapters of jobs/postgres both pass it (see the package's
// tests), so a test written against Memory says something true of
// production.
//
//	func TestConformance(t *testing.T) { jobstest.Exercise(t, jobstest.NewMemory) }
package jobstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/model"
)

// Store is what the suite needs to arrange and inspect a driver's
// storage, as the business systems and an auditor would.
type Store interface {
	// Seed stores b's tasks as pending and its workers, in partition
	// b.Partition. Ids are unique across partitions.
	Seed(tb testing.TB, b *paidan.Batch)
	// Cancel cancels a pending task.
	Cancel(tb testing.TB, partition string, task paidan.TaskID)
	// Runs returns the runs recorded for partition (at least ID and
	// Status filled in).
	Runs(tb testing.TB, partition string) []paidan.Run
	// Assigned counts the partition's assigned tasks.
	Assigned(tb testing.TB, partition string) int
}

// Driver is one implementation of the jobs interfaces and its storage.
type Driver struct {
	Source jobs.Source
	Writer jobs.PlanWriter
	Locker jobs.Locker
	Store  Store
}

// Exercise runs the suite; newDriver returns a driver over empty storage
// of its own for each subtest. Subtests run in parallel.
func Exercise(t *testing.T, newDriver func(testing.TB) *Driver) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, d *Driver)
	}{
		{"RunApplies", testRunApplies},
		{"NothingToAssignIsSkippedOnce", testNothingToAssign},
		{"LockExcludes", testLockExcludes},
		{"RunIDAppliedAtMostOnce", testAtMostOnce},
		{"CancelledTaskIsAConflict", testConflict},
		{"UnknownPartition", testUnknownPartition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newDriver(t))
		})
	}
}

// batch generates n tasks with ids prefixed by partition, so that
// partitions of one store never share an id.
func batch(partition string, n int, seed uint64) *paidan.Batch {
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: seed, IDPrefix: partition + "-"})
	b.Partition = partition
	return b
}

func runner(d *Driver) *jobs.Runner {
	return &jobs.Runner{Source: d.Source, Writer: d.Writer, Locker: d.Locker, Rules: paidan.DefaultRules()}
}

func status(runs []paidan.Run, id string) (paidan.RunStatus, bool) {
	i := slices.IndexFunc(runs, func(r paidan.Run) bool { return r.ID == id })
	if i < 0 {
		return 0, false
	}
	return runs[i].Status, true
}

// testRunApplies: a run writes its plan back and records itself applied;
// the next run finds nothing left it can assign.
func testRunApplies(t *testing.T, d *Driver) {
	d.Store.Seed(t, batch("north", 60, 1))
	r := runner(d)
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunApplied || res.Err != nil || res.Assigned == 0 {
		t.Fatalf("first run: %s, %d assigned, err %v; want applied with assignments", res.Status, res.Assigned, res.Err)
	}
	if got := d.Store.Assigned(t, "north"); got != res.Assigned {
		t.Errorf("store holds %d assigned tasks, the run reported %d", got, res.Assigned)
	}
	if st, ok := status(d.Store.Runs(t, "north"), res.RunID); !ok || st != paidan.RunApplied {
		t.Errorf("run %s recorded %v (found %v), want applied", res.RunID, st, ok)
	}
	again := r.Run(t.Context(), "north")
	if again.Status != paidan.RunSkipped {
		t.Errorf("second run: %s (%v), want skipped", again.Status, again.Err)
	}
	if got := d.Store.Assigned(t, "north"); got != res.Assigned {
		t.Errorf("after the second run %d tasks assigned, want still %d", got, res.Assigned)
	}
}

// testNothingToAssign: a partition whose tasks no worker can take is
// skipped, recorded once however often it is run.
func testNothingToAssign(t *testing.T, d *Driver) {
	b := batch("idle", 20, 2)
	b.Workers = b.Workers[:0]
	d.Store.Seed(t, b)
	r := runner(d)
	for range 3 {
		if res := r.Run(t.Context(), "idle"); res.Status != paidan.RunSkipped || res.Reason != jobs.SkipNothingToAssign {
			t.Fatalf("run: %s %q (%v), want skipped, nothing to assign", res.Status, res.Reason, res.Err)
		}
	}
	runs := d.Store.Runs(t, "idle")
	if len(runs) != 1 || runs[0].Status != paidan.RunSkipped {
		t.Errorf("runs recorded %+v, want one skipped run", runs)
	}
	if d.Store.Assigned(t, "idle") != 0 {
		t.Error("a skipped run assigned tasks")
	}
}

// testLockExcludes: a held partition lock excludes a second holder until
// released; other partitions are independent.
func testLockExcludes(t *testing.T, d *Driver) {
	ctx := t.Context()
	l, err := d.Locker.TryLock(ctx, "north")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Locker.TryLock(ctx, "north"); !errors.Is(err, jobs.ErrLocked) {
		t.Errorf("second TryLock: %v, want ErrLocked", err)
	}
	other, err := d.Locker.TryLock(ctx, "south")
	if err != nil {
		t.Errorf("another partition: %v, want its own lock", err)
	} else if err := other.Release(ctx); err != nil {
		t.Error(err)
	}
	if err := l.Check(ctx); err != nil {
		t.Errorf("Check of a held lock: %v", err)
	}
	d.Store.Seed(t, batch("north", 10, 3))
	if res := runner(d).Run(ctx, "north"); res.Status != paidan.RunSkipped || res.Reason != jobs.SkipLocked {
		t.Errorf("run of a locked partition: %s %q, want skipped, locked", res.Status, res.Reason)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := d.Locker.TryLock(ctx, "north")
	if err != nil {
		t.Fatalf("TryLock after release: %v", err)
	}
	if err := again.Release(ctx); err != nil {
		t.Error(err)
	}
}

// plan loads partition and plans it as run id.
func plan(t *testing.T, d *Driver, partition, id string) (*paidan.Plan, *paidan.Batch) {
	t.Helper()
	b, _, err := d.Source.Load(t.Context(), partition)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := model.Plan(t.Context(), b, paidan.DefaultRules(), model.Options{RunID: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Assignments) == 0 {
		t.Fatal("the plan assigns nothing")
	}
	return p, b
}

// testAtMostOnce: a run id applies once; applying or recording it again
// says it was applied, and nothing more is assigned.
func testAtMostOnce(t *testing.T, d *Driver) {
	ctx := t.Context()
	d.Store.Seed(t, batch("north", 40, 4))
	id := fmt.Sprintf("north-once-%d", 1)
	p, b := plan(t, d, "north", id)
	run := paidan.Run{ID: id, Partition: "north", StartedAt: b.AsOf}
	run.SetPlan(p)
	wr, err := d.Writer.Apply(ctx, run, p, b)
	if err != nil {
		t.Fatal(err)
	}
	if applied, err := d.Writer.WasApplied(ctx, id); err != nil || !applied {
		t.Errorf("WasApplied = %v, %v; want true", applied, err)
	}
	if _, err := d.Writer.Apply(ctx, run, p, b); !errors.Is(err, jobs.ErrAlreadyApplied) {
		t.Errorf("second Apply: %v, want ErrAlreadyApplied", err)
	}
	failed := run
	failed.Status, failed.Error = paidan.RunFailed, "late failure"
	if err := d.Writer.Record(ctx, failed); !errors.Is(err, jobs.ErrAlreadyApplied) {
		t.Errorf("Record of an applied run: %v, want ErrAlreadyApplied", err)
	}
	if got := d.Store.Assigned(t, "north"); got != wr.Assigned {
		t.Errorf("%d tasks assigned, want %d: the run id applied twice", got, wr.Assigned)
	}
	if applied, err := d.Writer.WasApplied(ctx, "north-never"); err != nil || applied {
		t.Errorf("WasApplied of an unknown id = %v, %v; want false", applied, err)
	}
}

// testConflict: a task cancelled between load and write-back is refused
// as a conflict and stays cancelled; the rest of the plan applies.
func testConflict(t *testing.T, d *Driver) {
	d.Store.Seed(t, batch("north", 40, 5))
	p, b := plan(t, d, "north", "north-conflict-1")
	gone := p.Assignments[0].Task
	d.Store.Cancel(t, "north", gone)
	run := paidan.Run{ID: "north-conflict-1", Partition: "north", StartedAt: b.AsOf}
	run.SetPlan(p)
	wr, err := d.Writer.Apply(t.Context(), run, p, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := wr.Conflicts[gone]; !ok || len(wr.Conflicts) != 1 {
		t.Errorf("conflicts %v, want exactly the cancelled task %s", wr.Conflicts, gone)
	}
	if wr.Assigned != len(p.Assignments)-1 || d.Store.Assigned(t, "north") != wr.Assigned {
		t.Errorf("%d assigned (store %d), want the plan's %d less the conflict", wr.Assigned, d.Store.Assigned(t, "north"), len(p.Assignments))
	}
}

// testUnknownPartition: a partition with no task and no worker fails the
// run unrecorded; one that exists but has nothing pending is skipped.
func testUnknownPartition(t *testing.T, d *Driver) {
	if _, ok := d.Source.(jobs.PartitionChecker); !ok {
		t.Fatal("the Source cannot tell an unknown partition (jobs.PartitionChecker)")
	}
	b := batch("staffed", 5, 6)
	b.Tasks = b.Tasks[:0]
	d.Store.Seed(t, b)
	r := runner(d)
	res := r.Run(context.WithoutCancel(t.Context()), "nosuch")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, jobs.ErrUnknownPartition) {
		t.Errorf("unknown partition: %s %v, want failed with ErrUnknownPartition", res.Status, res.Err)
	}
	if runs := d.Store.Runs(t, "nosuch"); len(runs) != 0 {
		t.Errorf("%d runs recorded for an unknown partition, want none", len(runs))
	}
	if res := r.Run(t.Context(), "staffed"); res.Status != paidan.RunSkipped || res.Reason != jobs.SkipNothingPending {
		t.Errorf("partition with workers only: %s %q, want skipped, nothing pending", res.Status, res.Reason)
	}
}
