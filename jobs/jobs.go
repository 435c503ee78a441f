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
	"slices"
	"strings"
	"sync"
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
	// commit outcome was unknown did commit). It is paidan.ErrRunApplied,
	// which the PostgreSQL write-back returns as well.
	ErrAlreadyApplied = paidan.ErrRunApplied
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
	// ErrUnknownPartition: a partition named to the runner has no task and
	// no worker at all (a typing mistake, most often). The run fails and
	// is not recorded.
	ErrUnknownPartition = errors.New("jobs: unknown partition")
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

// PartitionChecker is implemented by a Source that can tell whether a
// partition exists at all (has any task or worker, in any state). The
// runner asks it when a partition yields nothing to plan, to tell a
// partition with nothing pending from a name that matches nothing.
type PartitionChecker interface {
	HasPartition(ctx context.Context, partition string) (bool, error)
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

// InputKeeper keeps an applied run's input and plan, so that the run can
// be re-checked and explained later from its own data (package runsnap).
type InputKeeper interface {
	// KeepInput keeps what run planned from (batch, rules) and the whole
	// plan it wrote back (before any conflict refused an assignment).
	KeepInput(ctx context.Context, run paidan.Run, batch *paidan.Batch, rules paidan.Rules, plan *paidan.Plan) error
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
	StageKeep   = "keep"
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
	// Inputs keeps every applied run's input and plan, after its
	// write-back and before its export. Nil means none are kept. A failure
	// leaves the run applied, with Result.Err set, and counts as a failed
	// export in the metrics.
	Inputs InputKeeper
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
	// IgnorePause runs paused partitions too (see PauseLister). False
	// means RunAll and RunEach leave them out.
	IgnorePause bool

	skipMu   sync.Mutex
	lastSkip map[string]string // partition → state of its last recorded skipped run

	pauseMu    sync.Mutex
	lastPaused map[string]bool // partitions last seen paused, to log each change once
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
	// Recorded reports whether the run has a row in the run record: an
	// applied run always; a failed run unless recording it failed or its
	// partition is unknown; a skipped run only when the partition's state
	// changed since the last skipped run this Runner recorded for it (see
	// Run). A run skipped as locked is never recorded.
	Recorded bool

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

// RunAll runs every partition that has pending tasks and is not paused
// (RunEach over Source.Partitions). The error is the listing's, or RunEach's.
func (r *Runner) RunAll(ctx context.Context) ([]*Result, error) {
	parts, err := r.Source.Partitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return r.RunEach(ctx, parts)
}

// RunEach runs the partitions one after another and returns their
// results. A paused partition (PauseLister) is left out, without a
// result, unless IgnorePause. The error is the first failed run's, the
// pause listing's, or ctx's when it ended before every partition ran;
// later partitions still run after a failure.
func (r *Runner) RunEach(ctx context.Context, partitions []string) ([]*Result, error) {
	partitions, err := r.unpaused(ctx, partitions)
	if err != nil {
		return nil, err
	}
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
// (SkipNothingToAssign). A skipped run is recorded once per change of
// the partition's state: a run skipped for the same reason over the same
// tasks, workers and unassigned counts as the last skipped run this Runner
// recorded for the partition (with no applied or failed run between) is
// not recorded again. A partition with no task and no worker that the
// Source reports unknown (PartitionChecker) fails with
// ErrUnknownPartition, unrecorded. A failed run is recorded as failed with a context
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
	for _, name := range []string{StageLock, StageLoad, StagePlan, StageWrite, StageKeep, StageExport, StageRecord} {
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

// run is Run's body: lock → load → plan → write back → export, each
// stage a method below. It fills res.
func (r *Runner) run(ctx context.Context, res *Result, log *slog.Logger) {
	if err := r.Validate(); err != nil {
		res.Status, res.Err = paidan.RunFailed, err
		return
	}
	rc := &runContext{ctx: ctx, res: res, log: log,
		record: paidan.Run{ID: res.RunID, Partition: res.Partition, StartedAt: r.now()}}

	lock, ok := r.lock(rc)
	if !ok {
		return
	}
	defer func() {
		if err := lock.Release(context.WithoutCancel(ctx)); err != nil {
			log.Warn("release partition lock", "err", err)
		}
	}()
	batch, ok := r.load(rc)
	if !ok {
		return
	}
	plan, ok := r.plan(rc, batch)
	if !ok {
		return
	}
	if err := ctx.Err(); err != nil {
		r.fail(rc, fmt.Errorf("cancelled before write-back: %w", err))
		return
	}
	if err := lock.Check(ctx); err != nil {
		r.fail(rc, fmt.Errorf("before write-back: %w", err))
		return
	}
	// From here on the run finishes even when ctx is cancelled.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.writeTimeout())
	defer cancel()
	wr, ok := r.writeBack(rc, wctx, lock, plan, batch)
	if !ok {
		return
	}
	r.keep(rc, wctx, plan, batch)
	r.export(rc, wctx, plan, wr)
}

// keep keeps the applied run's input and plan. A failure leaves the run
// applied, with Err set.
func (r *Runner) keep(rc *runContext, wctx context.Context, plan *paidan.Plan, batch *paidan.Batch) {
	if r.Inputs == nil {
		return
	}
	err := r.stage(rc.res, rc.log, StageKeep, func() error {
		return r.Inputs.KeepInput(wctx, rc.record, batch, r.Rules, plan)
	})
	if err != nil {
		rc.res.Err = fmt.Errorf("keep input of applied run %s: %w", rc.res.RunID, err)
	}
}

// runContext is what the stages of one run share.
type runContext struct {
	ctx    context.Context // the run's; the write-back and export detach from it
	res    *Result
	log    *slog.Logger
	record paidan.Run // the run record, filled in as the run goes
}

// fail ends the run as failed and records it.
func (r *Runner) fail(rc *runContext, err error) {
	rc.res.Status, rc.res.Err = paidan.RunFailed, err
	rc.record.Status, rc.record.Error = paidan.RunFailed, err.Error()
	r.forgetSkip(rc.res.Partition)
	r.record(rc.ctx, rc.res, rc.log, rc.record)
}

// lock takes the partition's lock. A partition another run holds is
// skipped and not recorded (that run records its own outcome).
func (r *Runner) lock(rc *runContext) (Lock, bool) {
	var lock Lock
	err := r.stage(rc.res, rc.log, StageLock, func() (err error) {
		lock, err = r.Locker.TryLock(rc.ctx, rc.res.Partition)
		return err
	})
	switch {
	case errors.Is(err, ErrLocked):
		rc.res.Status, rc.res.Reason = paidan.RunSkipped, SkipLocked
		return nil, false
	case err != nil:
		r.fail(rc, fmt.Errorf("lock partition %q: %w", rc.res.Partition, err))
		return nil, false
	}
	return lock, true
}

// load loads the partition. An empty batch of a partition the Source does
// not know fails the run unrecorded; one with nothing pending is skipped.
func (r *Runner) load(rc *runContext) (*paidan.Batch, bool) {
	res := rc.res
	var batch *paidan.Batch
	err := r.stage(res, rc.log, StageLoad, func() (err error) {
		batch, res.Poisoned, err = r.Source.Load(rc.ctx, res.Partition)
		return err
	})
	if err != nil {
		r.fail(rc, fmt.Errorf("load: %w", err))
		return nil, false
	}
	for _, bad := range res.Poisoned {
		rc.log.Warn("poisoned row skipped", "table", bad.Source, "key", bad.Key, "err", bad.Err)
	}
	res.Tasks, res.Workers = len(batch.Tasks), len(batch.Workers)
	if len(batch.Tasks) > 0 {
		return batch, true
	}
	if known, err := r.knownPartition(rc.ctx, res.Partition, batch); err != nil || !known {
		if err == nil {
			err = fmt.Errorf("partition %q: %w", res.Partition, ErrUnknownPartition)
		}
		// Nothing to record: a run row for a partition that does not exist
		// would only mislead.
		res.Status, res.Err = paidan.RunFailed, err
		return nil, false
	}
	r.skip(rc, SkipNothingPending)
	return nil, false
}

// knownPartition reports whether partition exists: it has workers, or the
// Source says so when it can tell (PartitionChecker); a Source that
// cannot is trusted.
func (r *Runner) knownPartition(ctx context.Context, partition string, batch *paidan.Batch) (bool, error) {
	if len(batch.Workers) > 0 {
		return true, nil
	}
	pc, ok := r.Source.(PartitionChecker)
	if !ok {
		return true, nil
	}
	return pc.HasPartition(ctx, partition)
}

// plan plans the batch. A plan that fails its certificate is never
// written back; one that assigns nothing is skipped.
func (r *Runner) plan(rc *runContext, batch *paidan.Batch) (*paidan.Plan, bool) {
	res := rc.res
	var plan *paidan.Plan
	err := r.stage(res, rc.log, StagePlan, func() (err error) {
		opts := r.Model
		opts.RunID = res.RunID
		plan, res.Model, err = model.Plan(rc.ctx, batch, r.Rules, opts)
		return err
	})
	rc.log.Debug("plan stages", "stage", StagePlan, "prune", res.Model.Prune, "build", res.Model.Build,
		"solve", res.Model.Solve, "verify", res.Model.Verify, "price", res.Model.Price, "classify", res.Model.Classify,
		"finish", res.Model.Finish, "rounds", res.Model.Rounds, "candidates", res.Model.Candidates)
	if err != nil {
		r.fail(rc, err) // model.Plan's errors already say "plan: …"
		return nil, false
	}
	rc.record.SetPlan(plan)
	res.Unassigned = make(map[paidan.Reason]int)
	for _, u := range plan.Unassigned {
		res.Unassigned[u.Reason]++
	}
	if len(plan.Assignments) == 0 {
		r.skip(rc, SkipNothingToAssign)
		return nil, false
	}
	return plan, true
}

// skip ends the run as skipped for reason. It is recorded only when the
// partition's state (the reason, the tasks and workers planned, the
// unassigned counts) differs from that of the last skipped run this
// Runner recorded for it, so that an idle scheduler adds one row per
// change, not one per tick.
func (r *Runner) skip(rc *runContext, reason string) {
	res := rc.res
	res.Status, res.Reason = paidan.RunSkipped, reason
	rc.record.Status, rc.record.Error = paidan.RunSkipped, reason
	state := skipState(res)
	r.skipMu.Lock()
	same := r.lastSkip[res.Partition] == state
	r.skipMu.Unlock()
	if same {
		rc.log.Debug("skipped run not recorded: nothing changed since the last one", "reason", reason)
		return
	}
	if r.record(rc.ctx, res, rc.log, rc.record) {
		r.skipMu.Lock()
		if r.lastSkip == nil {
			r.lastSkip = make(map[string]string)
		}
		r.lastSkip[res.Partition] = state
		r.skipMu.Unlock()
	}
}

// forgetSkip clears the partition's last recorded skip, so that the next
// skipped run is recorded again.
func (r *Runner) forgetSkip(partition string) {
	r.skipMu.Lock()
	delete(r.lastSkip, partition)
	r.skipMu.Unlock()
}

// skipState is what makes two skipped runs of a partition the same.
func skipState(res *Result) string {
	reasons := make([]paidan.Reason, 0, len(res.Unassigned))
	for reason := range res.Unassigned {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|tasks=%d|workers=%d", res.Reason, res.Tasks, res.Workers)
	for _, reason := range reasons {
		fmt.Fprintf(&b, "|%d=%d", reason, res.Unassigned[reason])
	}
	return b.String()
}

// writeBack writes the plan back, retrying a write-back the database
// rolled back (applyWithRetry), and settles a failure's outcome. It
// reports whether the run goes on to its export: only when this
// write-back applied (not when an earlier commit of the run id is found
// to have applied, whose refused assignments are unknown).
func (r *Runner) writeBack(rc *runContext, wctx context.Context, lock Lock, plan *paidan.Plan, batch *paidan.Batch) (*WriteResult, bool) {
	res := rc.res
	r.forgetSkip(res.Partition)
	wr, err := r.applyWithRetry(rc, wctx, lock, plan, batch)
	if err != nil {
		applied, why := r.resolve(rc.ctx, res, rc.log, rc.record, err)
		if !applied {
			res.Status, res.Err = paidan.RunFailed, why
			return nil, false
		}
		// An earlier commit of this run id stands: nothing more to write,
		// and its figures are in the database, not here. Which of the
		// plan's assignments it refused is unknown, so it is not exported.
		res.Status, res.Recorded = paidan.RunApplied, true
		rc.log.Warn("write-back outcome was unknown; the run was applied", "err", err)
		return nil, false
	}
	res.Status, res.Recorded, res.Assigned, res.Conflicts = paidan.RunApplied, true, wr.Assigned, wr.Conflicts
	return wr, true
}

// applyWithRetry calls Writer.Apply, and again up to WriteRetries times
// after a random pause while it fails with ErrRetryable, checking before
// each retry that the partition lock is still held. It stops retrying
// when ctx (the run's) or wctx (the write-back's) ends.
func (r *Runner) applyWithRetry(rc *runContext, wctx context.Context, lock Lock, plan *paidan.Plan, batch *paidan.Batch) (*WriteResult, error) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// A retry must still hold the partition: another run may have
			// taken it while this one backed off.
			if err := lock.Check(wctx); err != nil {
				return nil, fmt.Errorf("before write-back retry: %w", err)
			}
		}
		var wr *WriteResult
		err := r.stage(rc.res, rc.log, StageWrite, func() (err error) {
			wr, err = r.Writer.Apply(wctx, rc.record, plan, batch)
			return err
		})
		if !errors.Is(err, ErrRetryable) || attempt >= r.writeRetries() {
			return wr, err
		}
		// A random pause, growing with each attempt, so that the
		// transactions that collided do not collide again at once.
		pause := time.Duration(attempt+1)*50*time.Millisecond + mrand.N(100*time.Millisecond)
		rc.log.Warn("write-back rolled back; retrying", "stage", StageWrite, "attempt", attempt+1, "pause", pause, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-rc.ctx.Done(): // stopping: no more attempts
		case <-wctx.Done():
		case <-t.C:
			continue
		}
		t.Stop()
		return wr, err
	}
}

// export exports what the write-back applied. A failed export leaves the
// run applied, with Err set.
func (r *Runner) export(rc *runContext, wctx context.Context, plan *paidan.Plan, wr *WriteResult) {
	if r.Exporter == nil {
		return
	}
	res := rc.res
	applied := appliedPlan(plan, wr.Conflicts)
	err := r.stage(res, rc.log, StageExport, func() (err error) {
		res.ExportDir, err = r.Exporter.Export(wctx, applied)
		return err
	})
	if err != nil {
		res.Err = fmt.Errorf("export applied run %s: %w", res.RunID, err)
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
// ctx's cancellation, and reports whether it was recorded.
func (r *Runner) record(ctx context.Context, res *Result, log *slog.Logger, run paidan.Run) bool {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
	defer cancel()
	if err := r.stage(res, log, StageRecord, func() error { return r.Writer.Record(dctx, run) }); err != nil {
		log.Error("record run", "status", run.Status.String(), "err", err)
		return false
	}
	res.Recorded = true
	return true
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
