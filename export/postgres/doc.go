// Package postgres writes a plan back into paidan's PostgreSQL schema and
// records runs: the write-back stage of a scheduled run.
//
//	... ──► solver ──► *paidan.Plan ──► export/postgres.Apply ──► PostgreSQL
//
// Apply writes one verified plan in one statement, and so one transaction:
// it encodes the plan's assignments (with the task versions its batch
// loaded) and the tasks it left out as arrays and calls paidan.apply_run, a
// function of the schema that runs as its owner. apply_run takes the
// partition's advisory lock for the transaction, claims the run id, records
// the plan's AsOf as the run's as_of, locks the plan's workers in id order,
// assigns each task with a set-based UPDATE
// (only if the task is still pending at the loaded version and its worker
// still has room) whose RETURNING rows feed the INSERT of the assignments,
// stores one paidan.unassigned row per task left out, and finishes the run
// as applied with counts taken from the rows it wrote. What it refuses (a
// task changed or cancelled, a worker full or inactive) comes back as
// Conflicts, and those tasks stay pending for the next run. If anything
// fails nothing is written; a run id is applied at most once
// (ErrAlreadyApplied), which WasApplied answers after a lost reply.
// RecordRun records runs that start, fail or are skipped (paidan.start_run,
// paidan.finish_run); LookupRun reads a run back; CheckInvariants checks
// the invariants that span tables.
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
// The write-back functions accept a run's writes only from the session that
// holds its partition's advisory lock, or while no session holds it (they
// wait): a scheduler passes Apply and RecordRun the connection holding its
// partition lock.
//
// The queries are the .sql files beside this file, one statement each. The
// connecting role needs the privileges of paidan_runtime (created by the
// migrations) and nothing more.
package postgres
