package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

// Errors of a run. Check them with errors.Is.
var (
	// ErrLocked: another run holds the partition. The run is skipped.
	ErrLocked = errors.New("jobs: partition locked by another run")
	// ErrLockLost: the connection holding the partition lock broke during
	// the run, so another run may hold the partition now. The run stops
	// before writing back and fails.
	ErrLockLost = errors.New("jobs: partition lock lost")
	// ErrAlreadyApplied: the writer found the run id applied already. The
	// runner treats it as the run's success (an earlier attempt whose
	// commit outcome was unknown did commit).
	ErrAlreadyApplied = errors.New("jobs: run already applied")
	// ErrOutcomeUnknown: the write-back failed and the runner could not
	// learn whether it committed (the database stayed unreachable). The
	// run id is never retried; the next run reloads the partition, so
	// nothing is assigned twice either way.
	ErrOutcomeUnknown = errors.New("jobs: write-back outcome unknown")
	// ErrRetryable: the writer's transaction was rolled back by the
	// database for a reason that may not recur (a deadlock with another
	// transaction, a serialization failure). Nothing was written; the
	// runner retries the write-back.
	ErrRetryable = errors.New("jobs: write-back rolled back, retryable")
)

// Source loads what a run plans.
type Source interface {
	// Partitions lists the partitions that have pending tasks.
	Partitions(ctx context.Context) ([]string, error)
	// Load returns one partition's pending tasks and available workers,
	// and the rows it left out as poisoned (each a *paidan.InputError
	// naming table and key). An error means nothing usable was loaded.
	Load(ctx context.Context, partition string) (*paidan.Batch, []*paidan.InputError, error)
}

// WriteResult is what a write-back did.
type WriteResult struct {
	Assigned int
	// Conflicts lists the plan's assignments the write-back refused,
	// task id → conflict kind (a stable code such as "task_changed").
	Conflicts map[paidan.TaskID]string
}

// PlanWriter writes plans back and records runs.
type PlanWriter interface {
	// Apply writes plan back in one transaction and records run as
	// applied. It returns an error wrapping ErrAlreadyApplied when the run
	// id was applied before, one wrapping ErrRetryable when the database
	// rolled it back and a retry may succeed; on any other error nothing
	// was written, or the commit's outcome is unknown.
	Apply(ctx context.Context, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*WriteResult, error)
	// WasApplied reports whether run id was applied.
	WasApplied(ctx context.Context, runID string) (bool, error)
	// Record records a run that ended failed or skipped. A run id that
	// was applied returns an error wrapping ErrAlreadyApplied.
	Record(ctx context.Context, run paidan.Run) error
}

// Exporter writes an applied plan out for analytics.
type Exporter interface {
	// Export writes plan (the assignments that were applied) and returns
	// where it went.
	Export(ctx context.Context, plan *paidan.Plan) (string, error)
}

// Lock is a held partition lock.
type Lock interface {
	// Check returns an error wrapping ErrLockLost when the lock is no
	// longer held (its connection broke), or another error when that
	// cannot be told.
	Check(ctx context.Context) error
	// Release gives the lock up. It is safe to call once, with a context
	// that may be cancelled already.
	Release(ctx context.Context) error
}

// Locker hands out partition locks that exclude every other holder on any
// machine.
type Locker interface {
	// TryLock takes partition's lock without waiting. It returns an error
	// wrapping ErrLocked when another holder has it.
	TryLock(ctx context.Context, partition string) (Lock, error)
}

// Stage names, as logged and as the "stage" label of the stage-duration
// metric.
const (
	StageLock   = "lock"
	StageLoad   = "load"
	StagePlan   = "plan"
	StageWrite  = "write"
	StageExport = "export"
	StageRecord = "record"
)

// Why a run was skipped (Result.Reason).
const (
	SkipLocked         = "locked"          // another run holds the partition; not recorded
	SkipNothingPending = "nothing pending" // recorded as a skipped run
	// SkipNothingToAssign: the plan assigns no task (every pending task
	// has a reason to stay unassigned). The run is recorded as skipped,
	// with the plan's figures, and neither written back nor exported, so
	// that a scheduler idling over the same unassignable tasks does not
	// add an applied run and an export every tick.
	SkipNothingToAssign = "nothing to assign"
)

// Runner runs planning runs: lock → load → plan (and verify) → write back
// → export → record. Source, Writer and Locker are required; the other
// fields' zero values work. A Runner is safe for concurrent use by
// several goroutines once its fields are set; the Locker keeps runs of one
// partition apart.
type Runner struct {
	Source Source
	Writer PlanWriter
	Locker Locker
	// Exporter exports every applied run. Nil means no export.
	Exporter Exporter
	// Rules are the business rules every run plans with. The zero value
	// is invalid: use paidan.DefaultRules() or a rules file.
	Rules paidan.Rules
	// Model tunes model.Plan; its RunID is ignored (each run has its own).
	Model model.Options

	// Logger receives one record per run (Info, or Error when it failed)
	// with run_id, partition, status, duration and the duration of each
	// stage (stage.load=…), and at Debug one per stage with stage and
	// duration. Nil means discard.
	Logger *slog.Logger
	// Metrics is updated by every run. Nil means none.
	Metrics *Metrics
	// NewRunID returns a fresh run id for partition. Nil means
	// "<partition>-<UTC time>-<random hex>", the partition reduced to 64
	// bytes of letters, digits, '.', '_' and '-'.
	NewRunID func(partition string) string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// WriteRetries is how many times a write-back that failed with
	// ErrRetryable is tried again, after a random pause of 50–150 ms
	// times the attempt number. Zero means 3; negative means none.
	WriteRetries int
	// WriteTimeout bounds the write-back and the export together. They
	// run on a context detached from Run's (context.WithoutCancel): once a
	// plan exists, cancelling Run (SIGTERM) lets them finish rather than
	// throwing the plan away, and a cancellation never lands in the middle
	// of the write-back's COPY. Zero means 5 minutes.
	WriteTimeout time.Duration
	// RecordTimeout bounds recording a failed run and looking up an
	// unknown commit outcome, which use a context detached from the run's
	// (context.WithoutCancel). Zero means 10 seconds.
	RecordTimeout time.Duration
}

// Validate reports a Runner missing a required field or with invalid rules.
func (r *Runner) Validate() error {
	switch {
	case r.Source == nil:
		return errors.New("jobs: runner without Source")
	case r.Writer == nil:
		return errors.New("jobs: runner without Writer")
	case r.Locker == nil:
		return errors.New("jobs: runner without Locker")
	}
	if err := r.Rules.Validate(); err != nil {
		return fmt.Errorf("jobs: rules: %w", err)
	}
	return nil
}

// Result is how one run ended.
type Result struct {
	RunID     string
	Partition string
	// Status is RunApplied, RunSkipped or RunFailed.
	Status paidan.RunStatus
	// Reason says why a run was skipped: SkipLocked, SkipNothingPending
	// or SkipNothingToAssign.
	Reason string
	// Err is why the run failed; nil otherwise. It may also be set on an
	// applied run whose export failed (the write-back stands).
	Err error

	Tasks     int // pending tasks planned
	Workers   int // workers planned with
	Assigned  int // assignments written back
	Conflicts map[paidan.TaskID]string
	// Unassigned counts the plan's unassigned tasks by reason.
	Unassigned map[paidan.Reason]int
	// Poisoned lists the rows the load left out.
	Poisoned  []*paidan.InputError
	ExportDir string // where the applied plan was exported; "" if not

	Stages   map[string]time.Duration // duration of each stage run
	Model    model.Stats              // the plan stage's breakdown
	Duration time.Duration
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r.Logger
}

func (r *Runner) writeRetries() int {
	if r.WriteRetries == 0 {
		return 3
	}
	return max(r.WriteRetries, 0)
}

func (r *Runner) writeTimeout() time.Duration {
	if r.WriteTimeout == 0 {
		return 5 * time.Minute
	}
	return r.WriteTimeout
}

func (r *Runner) recordTimeout() time.Duration {
	if r.RecordTimeout == 0 {
		return 10 * time.Second
	}
	return r.RecordTimeout
}

func (r *Runner) newRunID(partition string) string {
	if r.NewRunID != nil {
		return r.NewRunID(partition)
	}
	var b [6]byte
	rand.Read(b[:])
	return safeName(partition) + "-" + r.now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// safeName maps a partition name to at most 64 bytes of [A-Za-z0-9._-],
// other bytes becoming '_', so that run ids make safe file names.
func safeName(s string) string {
	b := []byte(s[:min(len(s), 64)])
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || (c == '.' && i > 0)
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// RunAll runs every partition that has pending tasks (RunEach over
// Source.Partitions). The error is the listing's, or RunEach's.
func (r *Runner) RunAll(ctx context.Context) ([]*Result, error) {
	parts, err := r.Source.Partitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return r.RunEach(ctx, parts)
}

// RunEach runs the partitions one after another and returns their
// results. The error is the first failed run's, or ctx's when it ended
// before every partition ran; later partitions still run after a failure.
func (r *Runner) RunEach(ctx context.Context, partitions []string) ([]*Result, error) {
	var results []*Result
	var first error
	for _, p := range partitions {
		if ctx.Err() != nil {
			break
		}
		res := r.Run(ctx, p)
		results = append(results, res)
		if res.Status == paidan.RunFailed && first == nil {
			first = res.Err
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return results, first
}

// Run runs one planning run of partition and returns how it ended; it
// never panics on bad data and always returns a Result.
//
// A partition locked by another run is skipped (SkipLocked), as is one with
// nothing pending (SkipNothingPending) or whose plan assigns nothing
// (SkipNothingToAssign). A failed run is recorded as failed with a context
// detached from ctx, so a cancelled run is recorded too. Cancelling ctx
// stops a run before its write-back (nothing is written); once the
// write-back has started, it and the export finish on a detached context
// bounded by WriteTimeout. Should the write-back fail anyway, its
// transaction rolls back: the database holds the whole run or none of
// it. When the write-back's
// commit outcome is unknown, Run asks the writer whether the run id was
// applied before deciding; a run id is applied at most once.
func (r *Runner) Run(ctx context.Context, partition string) *Result {
	res := &Result{RunID: r.newRunID(partition), Partition: partition, Stages: map[string]time.Duration{}}
	defer r.Metrics.meterRun(ctx, res)()
	start := r.now()
	log := r.logger().With("run_id", res.RunID, "partition", partition)
	r.run(ctx, res, log)
	res.Duration = r.now().Sub(start)
	r.Metrics.observeRun(res)
	var stages []any
	for _, name := range []string{StageLock, StageLoad, StagePlan, StageWrite, StageExport, StageRecord} {
		if d, ok := res.Stages[name]; ok {
			stages = append(stages, name, d)
		}
	}
	attrs := []any{"status", res.Status.String(), "duration", res.Duration,
		"tasks", res.Tasks, "assigned", res.Assigned, "conflicts", len(res.Conflicts),
		slog.Group("stage", stages...)}
	switch {
	case res.Status == paidan.RunFailed:
		log.Error("run failed", append(attrs, "err", res.Err)...)
	case res.Err != nil:
		log.Error("run applied, export failed", append(attrs, "err", res.Err)...)
	case res.Status == paidan.RunSkipped:
		log.Info("run skipped", append(attrs, "reason", res.Reason)...)
	default:
		log.Info("run applied", append(attrs, "export_dir", res.ExportDir)...)
	}
	return res
}

// stage times fn as stage name.
func (r *Runner) stage(res *Result, log *slog.Logger, name string, fn func() error) error {
	start := r.now()
	err := fn()
	d := r.now().Sub(start)
	res.Stages[name] += d
	r.Metrics.observeStage(name, d)
	if err != nil {
		log.Debug("stage failed", "stage", name, "duration", d, "err", err)
	} else {
		log.Debug("stage done", "stage", name, "duration", d)
	}
	return err
}

func (r *Runner) run(ctx context.Context, res *Result, log *slog.Logger) {
	record := paidan.Run{ID: res.RunID, Partition: res.Partition, StartedAt: r.now()}
	fail := func(err error) {
		res.Status, res.Err = paidan.RunFailed, err
		record.Status, record.Error = paidan.RunFailed, err.Error()
		r.record(ctx, res, log, record)
	}
	if err := r.Validate(); err != nil {
		res.Status, res.Err = paidan.RunFailed, err
		return
	}

	var lock Lock
	err := r.stage(res, log, StageLock, func() (err error) {
		lock, err = r.Locker.TryLock(ctx, res.Partition)
		return err
	})
	if errors.Is(err, ErrLocked) {
		// Another run holds the partition and records its own outcome.
		res.Status, res.Reason = paidan.RunSkipped, SkipLocked
		return
	}
	if err != nil {
		fail(fmt.Errorf("lock partition %q: %w", res.Partition, err))
		return
	}
	defer func() {
		if err := lock.Release(context.WithoutCancel(ctx)); err != nil {
			log.Warn("release partition lock", "err", err)
		}
	}()

	var batch *paidan.Batch
	err = r.stage(res, log, StageLoad, func() (err error) {
		batch, res.Poisoned, err = r.Source.Load(ctx, res.Partition)
		return err
	})
	if err != nil {
		fail(fmt.Errorf("load: %w", err))
		return
	}
	for _, bad := range res.Poisoned {
		log.Warn("poisoned row skipped", "table", bad.Source, "key", bad.Key, "err", bad.Err)
	}
	res.Tasks, res.Workers = len(batch.Tasks), len(batch.Workers)
	if len(batch.Tasks) == 0 {
		res.Status, res.Reason = paidan.RunSkipped, SkipNothingPending
		record.Status, record.Error = paidan.RunSkipped, res.Reason
		r.record(ctx, res, log, record)
		return
	}

	var plan *paidan.Plan
	err = r.stage(res, log, StagePlan, func() (err error) {
		opts := r.Model
		opts.RunID = res.RunID
		plan, res.Model, err = model.Plan(ctx, batch, r.Rules, opts)
		return err
	})
	log.Debug("plan stages", "stage", StagePlan, "prune", res.Model.Prune, "build", res.Model.Build,
		"solve", res.Model.Solve, "verify", res.Model.Verify, "price", res.Model.Price, "classify", res.Model.Classify,
		"finish", res.Model.Finish, "rounds", res.Model.Rounds, "candidates", res.Model.Candidates)
	if err != nil {
		// A plan whose certificate failed is never written back.
		fail(fmt.Errorf("plan: %w", err))
		return
	}
	record.SetPlan(plan)
	res.Unassigned = make(map[paidan.Reason]int)
	for _, u := range plan.Unassigned {
		res.Unassigned[u.Reason]++
	}
	if len(plan.Assignments) == 0 {
		res.Status, res.Reason = paidan.RunSkipped, SkipNothingToAssign
		record.Status, record.Error = paidan.RunSkipped, SkipNothingToAssign
		r.record(ctx, res, log, record)
		return
	}

	if err := ctx.Err(); err != nil {
		fail(fmt.Errorf("cancelled before write-back: %w", err))
		return
	}
	if err := lock.Check(ctx); err != nil {
		fail(fmt.Errorf("before write-back: %w", err))
		return
	}
	// From here on the run finishes even when ctx is cancelled.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.writeTimeout())
	defer cancel()
	var wr *WriteResult
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// A retry must still hold the partition: another run may have
			// taken it while this one backed off.
			if err = lock.Check(wctx); err != nil {
				err = fmt.Errorf("before write-back retry: %w", err)
				break
			}
		}
		err = r.stage(res, log, StageWrite, func() (err error) {
			wr, err = r.Writer.Apply(wctx, record, plan, batch)
			return err
		})
		if !errors.Is(err, ErrRetryable) || attempt >= r.writeRetries() {
			break
		}
		// A random pause, growing with each attempt, so that the
		// transactions that collided do not collide again at once.
		pause := time.Duration(attempt+1)*50*time.Millisecond + mrand.N(100*time.Millisecond)
		log.Warn("write-back rolled back; retrying", "stage", StageWrite, "attempt", attempt+1, "pause", pause, "err", err)
		select {
		case <-ctx.Done(): // stopping: no more attempts
		case <-wctx.Done():
		case <-time.After(pause):
			continue
		}
		break
	}
	if err != nil {
		applied, why := r.resolve(ctx, res, log, record, err)
		if !applied {
			res.Status, res.Err = paidan.RunFailed, why
			return
		}
		// An earlier commit of this run id stands: nothing more to write,
		// and its figures are in the database, not here. Which of the
		// plan's assignments it refused is unknown, so it is not exported.
		res.Status = paidan.RunApplied
		log.Warn("write-back outcome was unknown; the run was applied", "err", err)
		return
	}
	res.Status, res.Assigned, res.Conflicts = paidan.RunApplied, wr.Assigned, wr.Conflicts

	if r.Exporter != nil {
		applied := appliedPlan(plan, wr.Conflicts)
		err = r.stage(res, log, StageExport, func() (err error) {
			res.ExportDir, err = r.Exporter.Export(wctx, applied)
			return err
		})
		if err != nil {
			res.Err = fmt.Errorf("export applied run %s: %w", res.RunID, err)
		}
	}
}

// resolve decides a failed write-back's outcome: applied (an earlier
// commit of the run id stands, or this one committed before the error) or
// failed, which it records. It asks the writer first, since a commit whose
// reply was lost looks like any other error. why is the run's error when
// it was not applied.
func (r *Runner) resolve(ctx context.Context, res *Result, log *slog.Logger, record paidan.Run, applyErr error) (applied bool, why error) {
	if errors.Is(applyErr, ErrAlreadyApplied) {
		return true, nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
	defer cancel()
	var lookupErr error
	for attempt := 0; ; attempt++ {
		var ok bool
		if ok, lookupErr = r.Writer.WasApplied(dctx, record.ID); lookupErr == nil {
			if ok {
				return true, nil
			}
			break
		}
		delay := time.Duration(100<<min(attempt, 5)) * time.Millisecond
		select {
		case <-dctx.Done():
		case <-time.After(delay):
			continue
		}
		break
	}
	why = fmt.Errorf("write back: %w", applyErr)
	if lookupErr != nil {
		log.Warn("cannot look up the write-back outcome", "err", lookupErr)
	}
	record.Status, record.Error = paidan.RunFailed, why.Error()
	err := r.stage(res, log, StageRecord, func() error { return r.Writer.Record(dctx, record) })
	switch {
	case errors.Is(err, ErrAlreadyApplied):
		// Recording locks the run row: the commit had gone through.
		return true, nil
	case err != nil:
		// The run row could not be written: a commit of this run still in
		// flight (holding that row) is as likely as a dead database, so
		// the outcome is not known.
		log.Error("record failed run", "err", err)
		return false, fmt.Errorf("%w: %w", ErrOutcomeUnknown, why)
	}
	return false, why
}

// record records a failed or skipped run with a context that outlives
// ctx's cancellation.
func (r *Runner) record(ctx context.Context, res *Result, log *slog.Logger, run paidan.Run) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
	defer cancel()
	if err := r.stage(res, log, StageRecord, func() error { return r.Writer.Record(dctx, run) }); err != nil {
		log.Error("record run", "status", run.Status.String(), "err", err)
	}
}

// appliedPlan returns plan without the assignments the write-back
// refused, its worker usage and KPIs recomputed: what the database now
// holds from this run. The refused tasks stay pending for the next run and
// appear in neither list.
func appliedPlan(plan *paidan.Plan, conflicts map[paidan.TaskID]string) *paidan.Plan {
	if len(conflicts) == 0 {
		return plan
	}
	p := *plan
	p.Assignments = make([]paidan.Assignment, 0, len(plan.Assignments)-len(conflicts))
	refused := make(map[paidan.WorkerID]int)
	for _, a := range plan.Assignments {
		if _, ok := conflicts[a.Task]; ok {
			refused[a.Worker]++
			continue
		}
		p.Assignments = append(p.Assignments, a)
	}
	p.Workers = append([]paidan.WorkerUsage(nil), plan.Workers...)
	for i := range p.Workers {
		p.Workers[i].Assigned -= refused[p.Workers[i].Worker]
	}
	p.KPIs = model.KPIs(&p)
	return &p
}
