package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
)

// Errors of the write-back and the run records. Check them with errors.Is.
var (
	// ErrAlreadyApplied: the run id was applied before. Apply and RecordRun
	// change nothing; a caller retrying after an unknown commit outcome
	// treats it as success.
	ErrAlreadyApplied = errors.New("export/postgres: run already applied")
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
	//go:embed run_claim.sql
	runClaimSQL string
	//go:embed run_lock.sql
	runLockSQL string
	//go:embed run_finish.sql
	runFinishSQL string
	//go:embed apply_settings.sql
	applySettingsSQL string
	//go:embed apply_temp.sql
	applyTempSQL string
	//go:embed apply_copy.sql
	applyCopySQL string
	//go:embed apply_analyze.sql
	applyAnalyzeSQL string
	//go:embed apply_lock_workers.sql
	applyLockWorkersSQL string
	//go:embed apply_tasks.sql
	applyTasksSQL string
	//go:embed apply_conflicts.sql
	applyConflictsSQL string
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

// ApplyStats is where a write-back spent its time, by stage, as seen by the
// client (round trips included). The stages add up to the whole Apply but
// for the checks before the transaction.
type ApplyStats struct {
	Copy   time.Duration // begin, claim the run, COPY into the temporary table, ANALYZE it
	Lock   time.Duration // lock the plan's workers (includes waiting for them)
	Assign time.Duration // the statement that updates the tasks and inserts the assignments, with its checks and triggers
	Record time.Duration // read the conflicts (only when some assignment was refused), finish the run
	Commit time.Duration
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
// In that one transaction Apply:
//   - claims the run id: inserts the run as running, or finds it running; a
//     run id already applied returns ErrAlreadyApplied and one recorded
//     failed or skipped ErrRunFinished, with nothing written;
//   - copies the assignments (COPY FROM STDIN) into a temporary table;
//   - row-locks the plan's workers in id order;
//   - assigns each task only if it is still a pending task of the partition
//     at the version the batch loaded, and only within its worker's
//     remaining capacity (capacity - load, active workers of the partition
//     only), in priority order when capacity falls short;
//   - records the assignments made and finishes the run as applied, with the
//     plan's figures, the number assigned and the number of conflicts.
//
// Refused assignments are returned as Conflicts; their tasks stay pending.
// If anything fails, the context included, nothing is written. A run id is
// applied at most once: the run's primary key and its final status make a
// second apply a no-op, and the task version check makes it assign nothing
// even then. After an error whose outcome is unknown (the connection broke
// during COMMIT), call WasApplied before retrying.
//
// A plan whose certificate did not verify returns paidan.ErrCertificate;
// a plan that does not match its batch, ErrPlanMismatch. The database needs
// the paidan schema; the role needs paidan_runtime's privileges.
// Apply is safe for concurrent use; concurrent applies to the same workers
// serialise on the worker locks.
func Apply(ctx context.Context, db *sqlx.DB, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*ApplyResult, error) {
	rows, err := planRows(run, plan, batch)
	if err != nil {
		return nil, fmt.Errorf("apply run %q: %w", run.ID, err)
	}
	res, err := apply(ctx, db, run, plan, batch.Partition, rows)
	if err != nil {
		return nil, fmt.Errorf("apply run %q: %w", run.ID, err)
	}
	return res, nil
}

func apply(ctx context.Context, db *sqlx.DB, run paidan.Run, plan *paidan.Plan, partition string, rows []assignmentRow) (*ApplyResult, error) {
	res := &ApplyResult{RunID: run.ID}
	lap := stopwatch()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	if err := claimRun(ctx, tx, run.ID, partition, run.StartedAt); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, applySettingsSQL); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	if _, err := tx.ExecContext(ctx, applyTempSQL); err != nil {
		return nil, fmt.Errorf("create temporary table: %w", err)
	}
	if err := copyRows(ctx, tx, rows); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, applyAnalyzeSQL); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	res.Stats.Copy = lap()
	if _, err := tx.ExecContext(ctx, applyLockWorkersSQL); err != nil {
		return nil, fmt.Errorf("lock workers: %w", err)
	}
	res.Stats.Lock = lap()
	assigned, err := tx.ExecContext(ctx, applyTasksSQL, run.ID, partition)
	if err != nil {
		return nil, fmt.Errorf("assign tasks: %w", err)
	}
	n, err := assigned.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("assign tasks: %w", err)
	}
	res.Assigned = int(n)
	res.Stats.Assign = lap()
	if res.Assigned < len(rows) {
		if res.Conflicts, err = readConflicts(ctx, tx, run.ID, partition); err != nil {
			return nil, err
		}
	}

	record := run
	record.Partition = partition
	record.Status = paidan.RunApplied
	record.FinishedAt = time.Time{}
	record.SetPlan(plan)
	record.Assigned = res.Assigned
	record.Conflicts = len(res.Conflicts)
	record.Error = ""
	if err := finishRun(ctx, tx, record); err != nil {
		return nil, err
	}
	res.Stats.Record = lap()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	res.Stats.Commit = lap()
	return res, nil
}

// readConflicts returns the planned assignments of the temporary table that
// run runID did not make, in task order, with their kinds.
func readConflicts(ctx context.Context, tx *sqlx.Tx, runID, partition string) ([]Conflict, error) {
	var rows []struct {
		Task   string `db:"task_id"`
		Worker string `db:"worker_id"`
		Kind   string `db:"outcome"`
	}
	if err := tx.SelectContext(ctx, &rows, applyConflictsSQL, runID, partition); err != nil {
		return nil, fmt.Errorf("read conflicts: %w", err)
	}
	conflicts := make([]Conflict, len(rows))
	for i, c := range rows {
		conflicts[i] = Conflict{Task: paidan.TaskID(c.Task), Worker: paidan.WorkerID(c.Worker), Kind: ConflictKind(c.Kind)}
	}
	return conflicts, nil
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

// claimRun inserts run id as running, or finds it running, and locks it
// until the transaction ends. A run in a final status returns
// ErrAlreadyApplied or ErrRunFinished.
func claimRun(ctx context.Context, tx *sqlx.Tx, id, partition string, startedAt time.Time) error {
	if _, err := tx.ExecContext(ctx, runClaimSQL, id, partition, nullTime(startedAt)); err != nil {
		return fmt.Errorf("claim run: %w", err)
	}
	var st struct {
		Status    string `db:"status"`
		Partition string `db:"partition"`
	}
	if err := tx.GetContext(ctx, &st, runLockSQL, id); err != nil {
		return fmt.Errorf("claim run: %w", err)
	}
	if err := finalStatusError(st.Status); err != nil {
		return err
	}
	if st.Partition != partition {
		return fmt.Errorf("run was started for partition %q, not %q: %w", st.Partition, partition, ErrPlanMismatch)
	}
	return nil
}

// finalStatusError returns the error for claiming a run in status.
func finalStatusError(status string) error {
	switch status {
	case "running":
		return nil
	case "applied":
		return ErrAlreadyApplied
	default:
		return fmt.Errorf("run is %s: %w", status, ErrRunFinished)
	}
}

// copyRows streams rows into the temporary table with COPY FROM STDIN: a
// prepared COPY statement, one Exec per row, and a final Exec without
// arguments that flushes the data (lib/pq's bulk import protocol).
func copyRows(ctx context.Context, tx *sqlx.Tx, rows []assignmentRow) error {
	stmt, err := tx.PrepareContext(ctx, applyCopySQL)
	if err != nil {
		return fmt.Errorf("copy assignments: %w", err)
	}
	defer stmt.Close()
	for i := range rows {
		r := &rows[i]
		if _, err := stmt.ExecContext(ctx, r.Task, r.Worker, r.Version, r.Priority, r.DistanceKm,
			r.CostTravel, r.CostBalance, r.CostStability, r.Pinned); err != nil {
			return fmt.Errorf("copy assignments: %w", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy assignments: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return fmt.Errorf("copy assignments: %w", err)
	}
	return nil
}

// assignmentRow is one row of the temporary table.
type assignmentRow struct {
	Task, Worker  string
	Version       int64
	Priority      int
	DistanceKm    float64
	CostTravel    float64
	CostBalance   float64
	CostStability float64
	Pinned        bool
}

// planRows checks that run, plan and batch belong together and returns the
// rows to copy. It touches no database.
func planRows(run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) ([]assignmentRow, error) {
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
	seen := make(map[paidan.TaskID]bool, len(plan.Assignments))
	rows := make([]assignmentRow, len(plan.Assignments))
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
		rows[i] = assignmentRow{
			Task: string(a.Task), Worker: string(a.Worker), Version: version, Priority: a.Priority,
			DistanceKm: a.DistanceKm, CostTravel: a.Cost.Travel, CostBalance: a.Cost.Balance,
			CostStability: a.Cost.Stability, Pinned: a.Pinned,
		}
	}
	return rows, nil
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
