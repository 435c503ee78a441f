// Package jobs runs paidan's scheduled batch dispatch: it sequences the
// other stages into runs and runs them on a schedule.
//
//	Locker ──► Source ──► model.Plan ──► PlanWriter ──► Exporter ──► record
//	(partition  (load the  (plan and     (write back in  (Parquet)   (failed and
//	 lock)       batch)     verify)       one tx)                     skipped runs)
//
// A Runner runs one partition once (Run), every partition with pending
// tasks (RunAll), or a list (RunEach); RunAll and RunEach leave out the
// partitions a planner paused, when the Source lists them (PauseLister). A Scheduler repeats that on a
// Schedule (Every, or a github.com/robfig/cron/v3 schedule) until its
// context ends, never overlapping itself, backing off while the database
// is unreachable.
//
// jobs declares the small interfaces it needs (Source, PlanWriter,
// Exporter, Locker) and imports no database or file library; the adapters
// are jobs/postgres (ingest/postgres, export/postgres and PostgreSQL
// advisory locks) and jobs/parquet (export/parquet into a Hive-style tree),
// and cmd/paidan wires them.
//
// Guarantees, given those adapters:
//   - One run per partition at a time, across processes and machines: the
//     partition's session advisory lock is held from before the load until
//     after the write-back; a run that finds it held is skipped
//     (SkipLocked). The lock is checked again just before the write-back,
//     and the write-back itself re-checks every task's version and every
//     worker's capacity under row locks, so even a lost lock cannot assign
//     a task twice or overfill a worker.
//   - A plan whose certificate failed is never written (model.Plan returns
//     no plan then, and the run fails).
//   - A run id is applied at most once. When the write-back fails, Run asks
//     the writer (WasApplied) whether it committed before recording the run
//     failed; recording it failed is itself refused for an applied run, which
//     settles a lost COMMIT reply either way. A write-back the database
//     rolled back (deadlock, serialization failure) is retried under the
//     same run id.
//   - Cancelling the context (SIGTERM) stops a run that is still loading or
//     planning (recorded failed, with context.WithoutCancel); a run already
//     writing back finishes its write-back and export on a detached context
//     (Runner.WriteTimeout bounds them). A write-back that fails rolls back:
//     the database holds the whole run or none of it.
//   - A skipped run is recorded once per change of its partition's state,
//     not once per tick; a partition that does not exist
//     (PartitionChecker) fails the run, unrecorded.
//
// jobs/jobstest holds the conformance suite that every implementation of
// these interfaces passes, the in-memory jobstest.Memory and the
// PostgreSQL adapters alike.
//
// Every run logs with log/slog (run_id, partition, stage, duration) and
// updates the Prometheus Metrics, registered on a registry the caller
// passes. A minimal use:
//
//	locker := &postgres.Locker{DB: db}
//	r := &jobs.Runner{
//		Source:   &postgres.Source{DB: db},
//		Writer:   &postgres.Writer{DB: db, Locker: locker},
//		Locker:   locker,
//		Exporter: &parquet.Hive{Root: "/var/lib/paidan/exports"},
//		Rules:    paidan.DefaultRules(),
//		Logger:   slog.Default(),
//	}
//	s := &jobs.Scheduler{Runner: r, Schedule: jobs.Every(2 * time.Minute)}
//	return s.Run(ctx) // until ctx ends
package jobs
