package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/model"
)

// fakeSource serves one generated batch per partition.
type fakeSource struct {
	batches  map[string]*paidan.Batch
	poisoned []*paidan.InputError
	err      error
}

func (s *fakeSource) Partitions(context.Context) ([]string, error) {
	var ps []string
	for p := range s.batches {
		ps = append(ps, p)
	}
	return ps, s.err
}

func (s *fakeSource) Load(_ context.Context, p string) (*paidan.Batch, []*paidan.InputError, error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	b := *s.batches[p]
	b.Partition = p
	return &b, s.poisoned, nil
}

// fakeWriter records what it is asked; applyErr and committed simulate a
// failed commit whose outcome the writer knows.
type fakeWriter struct {
	mu        sync.Mutex
	applyErr  error
	committed bool // the failed Apply did commit
	conflicts int  // the first n assignments conflict
	applied   map[string]bool
	recorded  []paidan.Run
}

func (w *fakeWriter) Apply(_ context.Context, run paidan.Run, plan *paidan.Plan, _ *paidan.Batch) (*jobs.WriteResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.applied == nil {
		w.applied = map[string]bool{}
	}
	if w.applied[run.ID] {
		return nil, jobs.ErrAlreadyApplied
	}
	if w.applyErr != nil {
		w.applied[run.ID] = w.committed
		return nil, w.applyErr
	}
	w.applied[run.ID] = true
	res := &jobs.WriteResult{Conflicts: map[paidan.TaskID]string{}}
	for i, a := range plan.Assignments {
		if i < w.conflicts {
			res.Conflicts[a.Task] = "task_changed"
			continue
		}
		res.Assigned++
	}
	return res, nil
}

func (w *fakeWriter) WasApplied(_ context.Context, id string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.applied[id], nil
}

func (w *fakeWriter) Record(_ context.Context, run paidan.Run) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.applied[run.ID] {
		return jobs.ErrAlreadyApplied
	}
	w.recorded = append(w.recorded, run)
	return nil
}

// fakeLocker is an in-process lock table.
type fakeLocker struct {
	mu   sync.Mutex
	held map[string]bool
	lost bool // locks report lost at Check
}

type fakeLock struct {
	l *fakeLocker
	p string
}

func (l *fakeLocker) TryLock(_ context.Context, p string) (jobs.Lock, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]bool{}
	}
	if l.held[p] {
		return nil, fmt.Errorf("partition %q: %w", p, jobs.ErrLocked)
	}
	l.held[p] = true
	return &fakeLock{l, p}, nil
}

func (k *fakeLock) Check(context.Context) error {
	if k.l.lost {
		return jobs.ErrLockLost
	}
	return nil
}

func (k *fakeLock) Release(context.Context) error {
	k.l.mu.Lock()
	defer k.l.mu.Unlock()
	delete(k.l.held, k.p)
	return nil
}

// fakeExporter keeps the plans it exported.
type fakeExporter struct{ plans []*paidan.Plan }

func (e *fakeExporter) Export(_ context.Context, p *paidan.Plan) (string, error) {
	e.plans = append(e.plans, p)
	return "/exports/" + p.RunID, nil
}

func newRunner(t *testing.T, w *fakeWriter) (*jobs.Runner, *fakeLocker, *bytes.Buffer) {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: 200, Seed: 7})
	locker := &fakeLocker{}
	var logs bytes.Buffer
	n := 0
	r := &jobs.Runner{
		Source:   &fakeSource{batches: map[string]*paidan.Batch{"north": b}},
		Writer:   w,
		Locker:   locker,
		Exporter: &fakeExporter{},
		Rules:    paidan.DefaultRules(),
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		NewRunID: func(p string) string { n++; return fmt.Sprintf("%s-%d", p, n) },
	}
	return r, locker, &logs
}

func TestRunApplies(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{conflicts: 3}
	r, _, logs := newRunner(t, w)
	reg := prometheus.NewRegistry()
	var err error
	if r.Metrics, err = jobs.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunApplied || res.Err != nil {
		t.Fatalf("status %s, err %v; want applied, nil", res.Status, res.Err)
	}
	if got := len(res.Conflicts); got != 3 {
		t.Errorf("conflicts = %d, want 3", got)
	}
	exp := r.Exporter.(*fakeExporter)
	if len(exp.plans) != 1 {
		t.Fatalf("exported %d plans, want 1", len(exp.plans))
	}
	p := exp.plans[0]
	if got := len(p.Assignments); got != res.Assigned {
		t.Errorf("exported %d assignments, want the %d applied", got, res.Assigned)
	}
	for _, a := range p.Assignments {
		if _, refused := res.Conflicts[a.Task]; refused {
			t.Errorf("exported refused assignment of task %s", a.Task)
		}
	}
	if got := p.KPIs.Overall.Assigned; got != res.Assigned {
		t.Errorf("exported KPIs count %d assigned, want %d", got, res.Assigned)
	}
	if got := testutil.ToFloat64(mustCounter(t, reg, "paidan_conflicts_total")); got != 3 {
		t.Errorf("paidan_conflicts_total = %v, want 3", got)
	}
	if got := testutil.ToFloat64(mustCounter(t, reg, "paidan_tasks_assigned_total")); got != float64(res.Assigned) {
		t.Errorf("paidan_tasks_assigned_total = %v, want %d", got, res.Assigned)
	}
	for _, stage := range []string{jobs.StageLock, jobs.StageLoad, jobs.StagePlan, jobs.StageWrite, jobs.StageExport} {
		if !strings.Contains(logs.String(), "stage="+stage) {
			t.Errorf("no log record for stage %s", stage)
		}
	}
	if !strings.Contains(logs.String(), "run_id=north-1") || !strings.Contains(logs.String(), "partition=north") {
		t.Errorf("log lacks run_id and partition:\n%s", logs)
	}
}

// mustCounter returns the one collector named name in reg, summed.
func mustCounter(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(sum)
	return c
}

func TestRunSkipsLockedPartition(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, locker, _ := newRunner(t, w)
	held, err := locker.TryLock(t.Context(), "north")
	if err != nil {
		t.Fatal(err)
	}
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunSkipped || res.Reason != jobs.SkipLocked {
		t.Fatalf("status %s reason %q, want skipped %q", res.Status, res.Reason, jobs.SkipLocked)
	}
	if len(w.applied) != 0 {
		t.Errorf("a skipped run wrote back")
	}
	held.Release(t.Context())
	if res := r.Run(t.Context(), "north"); res.Status != paidan.RunApplied {
		t.Errorf("after release: status %s, want applied", res.Status)
	}
}

func TestRunUnknownCommitOutcome(t *testing.T) {
	t.Parallel()
	lost := errors.New("driver: bad connection")
	t.Run("committed", func(t *testing.T) {
		t.Parallel()
		w := &fakeWriter{applyErr: lost, committed: true}
		r, _, _ := newRunner(t, w)
		res := r.Run(t.Context(), "north")
		if res.Status != paidan.RunApplied {
			t.Fatalf("status %s (err %v), want applied: WasApplied says it committed", res.Status, res.Err)
		}
		if len(w.recorded) != 0 {
			t.Errorf("recorded %v for an applied run", w.recorded)
		}
	})
	t.Run("rolled back", func(t *testing.T) {
		t.Parallel()
		w := &fakeWriter{applyErr: lost}
		r, _, _ := newRunner(t, w)
		res := r.Run(t.Context(), "north")
		if res.Status != paidan.RunFailed || !errors.Is(res.Err, lost) {
			t.Fatalf("status %s err %v, want failed wrapping %v", res.Status, res.Err, lost)
		}
		if len(w.recorded) != 1 || w.recorded[0].Status != paidan.RunFailed || w.recorded[0].ID != res.RunID {
			t.Errorf("recorded %+v, want the run as failed", w.recorded)
		}
		if len(r.Exporter.(*fakeExporter).plans) != 0 {
			t.Error("a failed run was exported")
		}
	})
}

func TestRunLostLockWritesNothing(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, locker, _ := newRunner(t, w)
	locker.lost = true
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, jobs.ErrLockLost) {
		t.Fatalf("status %s err %v, want failed with ErrLockLost", res.Status, res.Err)
	}
	if len(w.applied) != 0 {
		t.Error("wrote back without the lock")
	}
}

func TestRunCancelledIsRecorded(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	ctx, cancel := context.WithCancel(t.Context())
	r.Model.Progress = func(string) { cancel() } // cancel as planning starts
	res := r.Run(ctx, "north")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("status %s err %v, want failed with context.Canceled", res.Status, res.Err)
	}
	if len(w.recorded) != 1 || w.recorded[0].Status != paidan.RunFailed {
		t.Errorf("recorded %+v, want the cancelled run recorded failed", w.recorded)
	}
}

// TestRunCancelledAfterPlanning checks that a run stopped between its plan
// and its write-back writes nothing and says it was cancelled, not that it
// lost its lock (a regression: the lock check reported the cancellation as
// a lost lock, sending on-call after connections).
func TestRunCancelledAfterPlanning(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	ctx, cancel := context.WithCancel(t.Context())
	r.Model.Progress = func(stage string) {
		if stage == model.StageFinish {
			cancel()
		}
	}
	res := r.Run(ctx, "north")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, jobs.ErrLockLost) {
		t.Fatalf("status %s err %v, want failed with context.Canceled and not ErrLockLost", res.Status, res.Err)
	}
	if len(w.applied) != 0 {
		t.Error("a cancelled run wrote back")
	}
}

func TestRunNothingPending(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	r.Source = &fakeSource{batches: map[string]*paidan.Batch{"empty": {}}}
	res := r.Run(t.Context(), "empty")
	if res.Status != paidan.RunSkipped || res.Reason != jobs.SkipNothingPending {
		t.Fatalf("status %s reason %q, want skipped %q", res.Status, res.Reason, jobs.SkipNothingPending)
	}
	if len(w.recorded) != 1 || w.recorded[0].Status != paidan.RunSkipped {
		t.Errorf("recorded %+v, want one skipped run", w.recorded)
	}
}

func TestSchedulerBacksOffAndStops(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	src := &fakeSource{err: errors.New("connection refused")}
	r.Source = src
	ctx, cancel := context.WithCancel(t.Context())
	var errs []error
	s := &jobs.Scheduler{
		Runner: r, Schedule: jobs.Every(time.Hour), MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		OnCycle: func(_ []*jobs.Result, err error) {
			errs = append(errs, err)
			if len(errs) == 3 {
				src.err = nil // the database is back
				src.batches = map[string]*paidan.Batch{"north": datasets.Generate(datasets.GenOptions{Tasks: 50, Seed: 1})}
			}
			if len(errs) == 4 {
				cancel()
			}
		},
	}
	// The first cycle starts at once; the retries can only come from the
	// backoff, since the next tick is an hour away.
	s.RunAtStart = true
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	if len(errs) != 4 {
		t.Fatalf("%d cycles, want 4", len(errs))
	}
	for i, err := range errs[:3] {
		if err == nil {
			t.Errorf("cycle %d: no error while the source fails", i)
		}
	}
	if errs[3] != nil {
		t.Errorf("cycle after recovery: %v, want nil", errs[3])
	}
}

// slowSource makes every load last longer than the schedule's interval
// and records how many loads ever ran at once.
type slowSource struct {
	fakeSource
	mu          sync.Mutex
	running, mx int
}

func (s *slowSource) Load(ctx context.Context, p string) (*paidan.Batch, []*paidan.InputError, error) {
	s.mu.Lock()
	s.running++
	s.mx = max(s.mx, s.running)
	s.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	s.mu.Lock()
	s.running--
	s.mu.Unlock()
	return s.fakeSource.Load(ctx, p)
}

func TestSchedulerNeverOverlaps(t *testing.T) {
	t.Parallel()
	r, _, _ := newRunner(t, &fakeWriter{})
	src := &slowSource{fakeSource: fakeSource{batches: map[string]*paidan.Batch{"north": datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 2})}}}
	r.Source = src
	ctx, cancel := context.WithCancel(t.Context())
	cycles := 0
	s := &jobs.Scheduler{Runner: r, Schedule: jobs.Every(time.Millisecond), OnCycle: func(_ []*jobs.Result, err error) {
		if err != nil {
			t.Errorf("cycle: %v", err)
		}
		if cycles++; cycles == 4 {
			cancel()
		}
	}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if src.mx != 1 {
		t.Errorf("%d runs at once, want 1: cycles overlapped", src.mx)
	}
	if cycles != 4 {
		t.Errorf("%d cycles, want 4", cycles)
	}
}

func TestRunNothingToAssign(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	b := datasets.Generate(datasets.GenOptions{Tasks: 30, Seed: 3})
	b.Workers = nil // nobody to take the tasks
	r.Source = &fakeSource{batches: map[string]*paidan.Batch{"north": b}}
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunSkipped || res.Reason != jobs.SkipNothingToAssign {
		t.Fatalf("status %s reason %q, want skipped %q", res.Status, res.Reason, jobs.SkipNothingToAssign)
	}
	if got := res.Unassigned[paidan.NoSkill] + res.Unassigned[paidan.NoRegion] + res.Unassigned[paidan.NoCapacity] +
		res.Unassigned[paidan.OutOfRange] + res.Unassigned[paidan.OutsideShift] + res.Unassigned[paidan.PinnedInfeasible]; got != 30 {
		t.Errorf("%d tasks unassigned with a reason, want 30 (%v)", got, res.Unassigned)
	}
	if len(w.applied) != 0 || len(r.Exporter.(*fakeExporter).plans) != 0 {
		t.Error("a plan without assignments was written back or exported")
	}
	if len(w.recorded) != 1 || w.recorded[0].Status != paidan.RunSkipped || w.recorded[0].Certificate != paidan.CertificateVerified {
		t.Errorf("recorded %+v, want one skipped run with the plan's verified certificate", w.recorded)
	}
}

// TestSkippedRunRecordedOncePerState is the regression for a skipped row
// added to the run record every idle tick: the same skip is recorded once,
// a change of state records again.
func TestSkippedRunRecordedOncePerState(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	b := datasets.Generate(datasets.GenOptions{Tasks: 30, Seed: 3})
	b.Workers = nil
	src := &fakeSource{batches: map[string]*paidan.Batch{"north": b, "empty": {}}}
	r.Source = src
	for tick := range 5 {
		for _, p := range []string{"north", "empty"} {
			res := r.Run(t.Context(), p)
			if res.Status != paidan.RunSkipped || res.Recorded != (tick == 0) {
				t.Errorf("tick %d %s: status %s recorded %v, want skipped, recorded only at the first tick", tick, p, res.Status, res.Recorded)
			}
		}
	}
	if len(w.recorded) != 2 {
		t.Fatalf("%d skipped runs recorded over 5 idle ticks of 2 partitions, want 2", len(w.recorded))
	}
	// One more unassignable task is a new state: recorded once more.
	more := *b
	more.Tasks = append(append([]paidan.Task(nil), b.Tasks...), b.Tasks[0])
	more.Tasks[len(more.Tasks)-1].ID = "extra"
	src.batches["north"] = &more
	r.Run(t.Context(), "north")
	r.Run(t.Context(), "north")
	if len(w.recorded) != 3 {
		t.Errorf("%d runs recorded after the state changed, want 3", len(w.recorded))
	}
	// An applied run in between makes the next skip news again.
	src.batches["north"] = datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 4})
	if res := r.Run(t.Context(), "north"); res.Status != paidan.RunApplied {
		t.Fatalf("status %s, want applied", res.Status)
	}
	src.batches["north"] = &more
	if res := r.Run(t.Context(), "north"); !res.Recorded {
		t.Error("the first skip after an applied run was not recorded")
	}
}

// checkingSource is a fakeSource that knows which partitions exist.
type checkingSource struct {
	fakeSource
	known map[string]bool
}

func (s *checkingSource) HasPartition(_ context.Context, p string) (bool, error) {
	return s.known[p], nil
}

// TestRunUnknownPartition is the regression for a partition name that
// matches nothing being recorded as a skipped run: it fails, unrecorded.
func TestRunUnknownPartition(t *testing.T) {
	t.Parallel()
	w := &fakeWriter{}
	r, _, _ := newRunner(t, w)
	src := &checkingSource{fakeSource: fakeSource{batches: map[string]*paidan.Batch{"nosuch": {}, "idle": {}}},
		known: map[string]bool{"idle": true}}
	r.Source = src
	res := r.Run(t.Context(), "nosuch")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, jobs.ErrUnknownPartition) || res.Recorded {
		t.Errorf("unknown partition: status %s err %v recorded %v; want failed with ErrUnknownPartition, unrecorded", res.Status, res.Err, res.Recorded)
	}
	if res := r.Run(t.Context(), "idle"); res.Status != paidan.RunSkipped || res.Reason != jobs.SkipNothingPending {
		t.Errorf("known partition without pending tasks: status %s reason %q, want skipped, nothing pending", res.Status, res.Reason)
	}
	if len(w.recorded) != 1 || w.recorded[0].Partition != "idle" {
		t.Errorf("recorded %+v, want only the known partition's skipped run", w.recorded)
	}
}
