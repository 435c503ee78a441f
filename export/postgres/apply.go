package postgres

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
)

// Errors of the write-back and the run records. Check them with errors.Is.
var (
	// ErrAlreadyApplied: the run id was applied before. Apply and RecordRun
	// change nothing; a caller retrying after an unknown commit outcome
	// treats it as success. It is paidan.ErrRunApplied, the one sentinel
	// that jobs.ErrAlreadyApplied is too.
	ErrAlreadyApplied = paidan.ErrRunApplied
	// ErrRunFinished: the run id was recorded failed or skipped; it can be
	// neither applied nor recorded again.
	ErrRunFinished = errors.New("export/postgres: run already finished")
	// ErrRunExists: RecordRun was asked to start a run id that exists.
	ErrRunExists = errors.New("export/postgres: run already recorded")
	// ErrRunNotFound: no run has the id.
	ErrRunNotFound = errors.New("export/postgres: run not found")
	// ErrPlanMismatch: the plan, its batch and the run do not belong
	// together (another partition or run, a task or worker not in the
	// batch, a task assigned twice).
	ErrPlanMismatch = errors.New("export/postgres: plan does not match its batch")
)

var (
	//go:embed apply_run.sql
	applyRunSQL string
)

// ConflictKind says why the write-back refused one of a plan's assignments.
// The values are stable codes.
type ConflictKind string

// Conflict kinds, task checks first: a refused assignment gets the first
// kind that applies.
const (
	TaskGone          ConflictKind = "task_gone"          // deleted, or moved to another partition
	TaskCancelled     ConflictKind = "task_cancelled"     // cancelled since the load
	TaskChanged       ConflictKind = "task_changed"       // edited, assigned or finished since the load (its version moved)
	WorkerUnavailable ConflictKind = "worker_unavailable" // deleted, deactivated or moved to another partition
	WorkerFull        ConflictKind = "worker_full"        // no capacity left: another run or a capacity change took it
)

// Conflict is one planned assignment the write-back refused. Its task stays
// pending for the next run.
type Conflict struct {
	Task   paidan.TaskID
	Worker paidan.WorkerID
	Kind   ConflictKind
}

// ApplyResult is what a write-back did.
type ApplyResult struct {
	RunID     string
	Assigned  int        // assignments written
	Conflicts []Conflict // assignments refused, in task order
	Stats     ApplyStats
}

// ApplyStats is where a write-back spent its time, as seen by the client.
type ApplyStats struct {
	Encode time.Duration // checking the plan against its batch and encoding its rows as arrays
	Write  time.Duration // the one statement that sends them and runs paidan.apply_run, its COMMIT included
}

// ConflictCounts returns the number of conflicts of each kind; kinds without
// a conflict are absent.
func (r *ApplyResult) ConflictCounts() map[ConflictKind]int {
	counts := make(map[ConflictKind]int)
	for _, c := range r.Conflicts {
		counts[c.Kind]++
	}
	return counts
}

// Apply writes plan back in one transaction and records run as applied.
// run names the run (ID required; StartedAt zero means the transaction's
// start); plan is the verified plan; batch is what the plan was made from,
// and supplies the task versions the write-back checks.
//
// Apply sends the plan's assignments and the tasks it left out as arrays
// to paidan.apply_run, one statement and so one transaction, which runs as
// the schema owner and:
//   - takes the partition's advisory lock for the transaction: at once on
//     the session that holds the partition (a scheduler's lock connection),
//     otherwise once no other session holds it (lock_timeout applies);
//   - claims the run id: inserts the run as running, or finds it running; a
//     run id already applied returns ErrAlreadyApplied and one recorded
//     failed or skipped ErrRunFinished, with nothing written;
//   - records plan.AsOf (the load snapshot's time; zero records nothing) as
//     the run's as_of, unless the run has one already;
//   - row-locks the plan's workers in id order;
//   - assigns each task only if it is still a pending task of the partition
//     at the version the batch loaded, and only within its worker's
//     remaining capacity (capacity - load, active workers of the partition
//     only), in priority order when capacity falls short (one UPDATE joined
//     to the arrays when no worker is short, the common case);
//   - adds the tasks it assigned to their workers' load in one set-based
//     UPDATE (the load trigger leaves the write-back's statements to it);
//   - records the assignments made, one paidan.unassigned row per task the
//     plan left out (its reason and detail) and per assignment refused (its
//     conflict kind), and finishes the run as applied with the plan's
//     figures and the numbers assigned and refused.
//
// Refused assignments are returned as Conflicts; their tasks stay pending.
// If anything fails, the context included, nothing is written. A run id is
// applied at most once: the run's primary key and its final status make a
// second apply a no-op, and the task version check makes it assign nothing
// even then. After an error whose outcome is unknown (the connection broke
// before the reply), call WasApplied before retrying.
//
// A plan whose certificate did not verify returns paidan.ErrCertificate;
// a plan that does not match its batch, ErrPlanMismatch. db is a pool or
// one connection (a scheduler passes the connection that holds the
// partition lock); its role needs paidan_runtime's privileges. Apply is
// safe for concurrent use; concurrent applies to the same workers
// serialise on the worker locks.
func Apply(ctx context.Context, db sqlx.QueryerContext, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*ApplyResult, error) {
	lap := stopwatch()
	rows, err := planRows(run, plan, batch)
	if err != nil {
		return nil, fmt.Errorf("apply run %q: %w", run.ID, err)
	}
	args, err := applyArgs(run, plan, batch.Partition, rows)
	if err != nil {
		return nil, fmt.Errorf("apply run %q: %w", run.ID, err)
	}
	res := &ApplyResult{RunID: run.ID}
	res.Stats.Encode = lap()
	var refused []struct {
		Task   string `db:"refused_task"`
		Worker string `db:"refused_worker"`
		Kind   string `db:"refused_kind"`
	}
	if err := sqlx.SelectContext(ctx, db, &refused, applyRunSQL, args...); err != nil {
		return nil, fmt.Errorf("apply run %q: %w", run.ID, serverError(err))
	}
	res.Stats.Write = lap()
	res.Assigned = len(rows.task) - len(refused)
	if len(refused) > 0 {
		res.Conflicts = make([]Conflict, len(refused))
		for i, c := range refused {
			res.Conflicts[i] = Conflict{Task: paidan.TaskID(c.Task), Worker: paidan.WorkerID(c.Worker), Kind: ConflictKind(c.Kind)}
		}
	}
	return res, nil
}

// applyArgs returns the arguments of apply_run.sql.
func applyArgs(run paidan.Run, plan *paidan.Plan, partition string, rows *planArrays) ([]any, error) {
	kpis, err := json.Marshal(kpisToJSON(plan.KPIs))
	if err != nil {
		return nil, fmt.Errorf("encode KPIs: %w", err)
	}
	return []any{run.ID, partition, nullTime(run.StartedAt),
		rows.task, rows.worker, rows.version, rows.priority, rows.distance, rows.travel,
		rows.balance, rows.stability, rows.pinned, rows.leftTask, rows.leftReason, rows.leftDetail,
		plan.RulesHash, plan.InputHash, plan.Objective, plan.ObjectiveUnits, plan.DualBound,
		plan.Certificate.String(), string(kpis), nullTime(plan.AsOf)}, nil
}

// stopwatch returns a function that returns the time since it was last
// called (or since stopwatch was).
func stopwatch() func() time.Duration {
	last := time.Now()
	return func() time.Duration {
		now := time.Now()
		d := now.Sub(last)
		last = now
		return d
	}
}

// Server errors the write-back functions raise, by SQLSTATE (see
// internal/pgschema/migrations/00006_writeback_functions.sql).
const (
	codeApplied  = "PD001"
	codeFinished = "PD002"
	codeMismatch = "PD003"
)

// serverError maps the errors the write-back functions raise to this
// package's sentinels, keeping the server's message.
func serverError(err error) error {
	var e *pq.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case codeApplied:
		return fmt.Errorf("%w: %w", ErrAlreadyApplied, err)
	case codeFinished:
		return fmt.Errorf("%w: %w", ErrRunFinished, err)
	case codeMismatch:
		return fmt.Errorf("%w: %w", ErrPlanMismatch, err)
	}
	return err
}

// planArrays is a plan as apply_run takes it: its assignments, then the
// tasks it left out, each as parallel arrays.
type planArrays struct {
	task, worker                         pq.StringArray
	version, priority                    pq.Int64Array
	distance, travel, balance, stability pq.Float64Array
	pinned                               pq.BoolArray
	leftTask, leftReason, leftDetail     pq.StringArray
}

// planRows checks that run, plan and batch belong together and returns the
// rows to send. It touches no database.
func planRows(run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*planArrays, error) {
	switch {
	case plan == nil || batch == nil:
		return nil, fmt.Errorf("nil plan or batch: %w", ErrPlanMismatch)
	case plan.Certificate != paidan.CertificateVerified:
		return nil, fmt.Errorf("certificate %s: %w", plan.Certificate, paidan.ErrCertificate)
	case run.ID == "":
		return nil, fmt.Errorf("empty run id: %w", ErrPlanMismatch)
	case plan.RunID != "" && plan.RunID != run.ID:
		return nil, fmt.Errorf("plan belongs to run %q: %w", plan.RunID, ErrPlanMismatch)
	case plan.Partition != batch.Partition:
		return nil, fmt.Errorf("plan partition %q, batch partition %q: %w", plan.Partition, batch.Partition, ErrPlanMismatch)
	case run.Partition != "" && run.Partition != batch.Partition:
		return nil, fmt.Errorf("run partition %q, batch partition %q: %w", run.Partition, batch.Partition, ErrPlanMismatch)
	}
	versions := make(map[paidan.TaskID]int64, len(batch.Tasks))
	for i := range batch.Tasks {
		versions[batch.Tasks[i].ID] = batch.Tasks[i].Version
	}
	workers := make(map[paidan.WorkerID]bool, len(batch.Workers))
	for i := range batch.Workers {
		workers[batch.Workers[i].ID] = true
	}
	n := len(plan.Assignments)
	r := &planArrays{
		task: make(pq.StringArray, n), worker: make(pq.StringArray, n),
		version: make(pq.Int64Array, n), priority: make(pq.Int64Array, n),
		distance: make(pq.Float64Array, n), travel: make(pq.Float64Array, n),
		balance: make(pq.Float64Array, n), stability: make(pq.Float64Array, n),
		pinned: make(pq.BoolArray, n),
	}
	seen := make(map[paidan.TaskID]bool, len(plan.Assignments)+len(plan.Unassigned))
	for i, a := range plan.Assignments {
		version, ok := versions[a.Task]
		if !ok {
			return nil, fmt.Errorf("task %q is not in the batch: %w", a.Task, ErrPlanMismatch)
		}
		if seen[a.Task] {
			return nil, fmt.Errorf("task %q assigned twice: %w", a.Task, ErrPlanMismatch)
		}
		seen[a.Task] = true
		if !workers[a.Worker] {
			return nil, fmt.Errorf("worker %q is not in the batch: %w", a.Worker, ErrPlanMismatch)
		}
		r.task[i], r.worker[i], r.version[i], r.priority[i] = string(a.Task), string(a.Worker), version, int64(a.Priority)
		r.distance[i], r.travel[i], r.balance[i], r.stability[i] = a.DistanceKm, a.Cost.Travel, a.Cost.Balance, a.Cost.Stability
		r.pinned[i] = a.Pinned
	}
	m := len(plan.Unassigned)
	r.leftTask, r.leftReason, r.leftDetail = make(pq.StringArray, m), make(pq.StringArray, m), make(pq.StringArray, m)
	for i, u := range plan.Unassigned {
		if _, ok := versions[u.Task]; !ok {
			return nil, fmt.Errorf("unassigned task %q is not in the batch: %w", u.Task, ErrPlanMismatch)
		}
		if seen[u.Task] {
			return nil, fmt.Errorf("task %q both assigned and unassigned, or unassigned twice: %w", u.Task, ErrPlanMismatch)
		}
		seen[u.Task] = true
		if _, err := paidan.ParseReason(u.Reason.String()); err != nil || u.Reason == paidan.ReasonUnknown {
			return nil, fmt.Errorf("unassigned task %q: reason %s: %w", u.Task, u.Reason, ErrPlanMismatch)
		}
		r.leftTask[i], r.leftReason[i], r.leftDetail[i] = string(u.Task), u.Reason.String(), u.Detail
	}
	return r, nil
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
