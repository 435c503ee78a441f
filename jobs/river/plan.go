package river

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	rq "github.com/riverqueue/river"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/jobs"
)

// Job kinds and the default queue of planning.
const (
	KindCycle = "paidan_cycle"
	KindPlan  = "paidan_plan"
	QueuePlan = "plan"
)

// CycleArgs starts one cycle: the job lists the partitions with pending
// tasks (paused ones left out) and enqueues a PlanArgs for each. Every
// planning Client inserts one per Options.Every into its plan queue,
// unique per queue and period, so that each queue gets one per period.
type CycleArgs struct{}

// Kind is KindCycle.
func (CycleArgs) Kind() string { return KindCycle }

// PlanArgs plans and writes back one partition, with jobs.Runner.Run.
type PlanArgs struct {
	Partition string `json:"partition"`
}

// Kind is KindPlan.
func (PlanArgs) Kind() string { return KindPlan }

// cycleWorker enqueues the plan jobs of a cycle.
type cycleWorker struct {
	rq.WorkerDefaults[CycleArgs]
	runner *jobs.Runner
	every  time.Duration
	queue  string
	only   []string // when not empty, the only partitions to enqueue
	db     *sql.DB  // reads which partitions are late
	logger *slog.Logger
}

// Work enqueues one plan job per partition with pending tasks, priority 1
// for a partition with a task past its due time and 2 otherwise, unique per
// partition and period: a second cycle within the same period (two leaders
// for a moment, a retried cycle) enqueues nothing new.
func (w *cycleWorker) Work(ctx context.Context, job *rq.Job[CycleArgs]) error {
	parts, err := w.runner.Source.Partitions(ctx)
	if err != nil {
		return fmt.Errorf("cycle: %w", err)
	}
	paused, err := w.runner.Paused(ctx, parts)
	if err != nil {
		return fmt.Errorf("cycle: %w", err)
	}
	for _, p := range paused {
		parts = slices.DeleteFunc(parts, func(s string) bool { return s == p.Partition })
	}
	if len(w.only) > 0 {
		parts = slices.DeleteFunc(parts, func(s string) bool { return !slices.Contains(w.only, s) })
	}
	if len(parts) == 0 {
		return nil
	}
	late, err := w.latePartitions(ctx)
	if err != nil {
		return fmt.Errorf("cycle: %w", err)
	}
	params := make([]rq.InsertManyParams, len(parts))
	for i, p := range parts {
		opts := &rq.InsertOpts{Queue: w.queue, MaxAttempts: 3, Priority: priorityOnTime,
			UniqueOpts: rq.UniqueOpts{ByArgs: true, ByPeriod: w.every}}
		if late[p] {
			opts.Priority = priorityLate
		}
		params[i] = rq.InsertManyParams{Args: PlanArgs{Partition: p}, InsertOpts: opts}
	}
	client, err := rq.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return fmt.Errorf("cycle: %w", err)
	}
	res, err := client.InsertMany(ctx, params)
	if err != nil {
		return fmt.Errorf("cycle: enqueue %d plan jobs: %w", len(params), err)
	}
	added := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			added++
		}
	}
	w.logger.Info("cycle enqueued plan jobs", "partitions", len(parts), "enqueued", added)
	return nil
}

// Plan job priorities (River's 1, the most urgent, to 4): a partition with
// a pending task past its due time is planned before the others.
const (
	priorityLate   = 1
	priorityOnTime = 2
)

// latePartitions returns the partitions that have a pending task past its
// due time.
func (w *cycleWorker) latePartitions(ctx context.Context) (map[string]bool, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT DISTINCT partition FROM paidan.task
		WHERE status = 'pending' AND due_at IS NOT NULL AND due_at < now()`)
	if err != nil {
		return nil, fmt.Errorf("late partitions: %w", err)
	}
	defer rows.Close()
	late := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("late partitions: %w", err)
		}
		late[p] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("late partitions: %w", err)
	}
	return late, nil
}

// planWorker runs one partition.
type planWorker struct {
	rq.WorkerDefaults[PlanArgs]
	runner  *jobs.Runner
	timeout time.Duration
	logger  *slog.Logger
}

// Work runs the partition with the Runner: the partition lock, the
// version and capacity checks and the at-most-once run id make a
// duplicate job harmless (it is skipped as locked, or plans what is still
// pending). A run skipped or applied completes the job; a failed run
// returns its error, and River retries it with the Backoff. River stops a
// worker softly: a run in flight finishes, its write-back included.
func (w *planWorker) Work(ctx context.Context, job *rq.Job[PlanArgs]) error {
	res := w.runner.Run(ctx, job.Args.Partition)
	switch res.Status {
	case paidan.RunApplied, paidan.RunSkipped:
		if res.Err != nil {
			// Applied, but the export failed: the write-back stands.
			w.logger.Warn("run applied; its export failed", "run_id", res.RunID, "partition", res.Partition, "err", res.Err)
		}
		return nil
	}
	if res.Err == nil {
		return errors.New("run failed without an error")
	}
	return fmt.Errorf("run %s of %s: %w", res.RunID, res.Partition, res.Err)
}

// Timeout bounds one run: nine tenths of Options.RescueAfter, so that
// River never takes a run still in flight for dead. A run cancelled by it
// is recorded failed with nothing written.
func (w *planWorker) Timeout(*rq.Job[PlanArgs]) time.Duration { return w.timeout }
