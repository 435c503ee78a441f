// Package postgres writes a plan back into paidan's PostgreSQL schema and
// records runs: the write-back stage of a scheduled run.
//
//	... ──► solver ──► *paidan.Plan ──► export/postgres.Apply ──► PostgreSQL
//
// Apply writes one verified plan in one transaction: it claims the run id,
// copies the assignments into a temporary table with COPY FROM STDIN, locks
// the plan's workers in id order, then, in one statement, assigns each task
// with a set-based UPDATE (only if the task is still pending at the version
// the batch loaded and its worker still has room) whose RETURNING rows feed
// the INSERT of the assignments, and finishes the run as applied. The
// database checks every row of that statement (foreign keys, the status
// machine, worker capacity). What it refuses (a task changed or cancelled, a
// worker full or inactive) comes back as Conflicts, and those tasks stay
// pending for the next run. If anything fails nothing is written; a run id is applied at most
// once (ErrAlreadyApplied), which WasApplied answers after a lost COMMIT.
// RecordRun records runs that start, fail or are skipped; LookupRun reads a
// run back; CheckInvariants checks the invariants that span tables.
//
// A scheduler uses it so:
//
//	res, err := postgres.Apply(ctx, db, run, plan, batch)
//	switch {
//	case errors.Is(err, postgres.ErrAlreadyApplied):
//		// a retry of a run that committed: done
//	case err != nil:
//		run.Status, run.Error = paidan.RunFailed, err.Error()
//		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
//		defer cancel()
//		_ = postgres.RecordRun(rctx, db, run)
//	default:
//		logger.Info("applied", "assigned", res.Assigned, "conflicts", res.ConflictCounts())
//	}
//
// Two schedulers must not plan the same partition at once (the jobs package
// holds an advisory lock per partition); if they do anyway, the version and
// capacity checks still keep every task assigned once and every worker
// within capacity, and the second write-back reports conflicts.
//
// The queries are the .sql files beside this file, one statement each. The
// connecting role needs the privileges of paidan_runtime (created by the
// migrations), and TEMPORARY on the database, which PUBLIC holds by default.
package postgres
