// Package postgres loads a planning batch from paidan's PostgreSQL schema:
// the first stage of a scheduled run.
//
//	PostgreSQL ──► ingest/postgres.Load ──► *paidan.Batch ──► model ──► solver ──► ...
//
// Load reads one partition's pending tasks (table paidan.task) and active
// workers with their remaining capacity (table paidan.worker) in one
// REPEATABLE READ, READ ONLY transaction, validates every row and returns a
// *paidan.Batch, whose tasks carry the row versions that the write-back
// (export/postgres) checks. Partitions lists the partitions with work.
// Seed writes a batch into a partition (demos, benchmarks, migrations),
// refusing ids that are taken unless told to skip or update them.
//
// Poisoned rows never stop a run: a row paidan cannot plan with (one that
// breaks paidan.ValidateTask or paidan.ValidateWorker, which the schema's
// CHECK constraints mirror) is left out and reported, as a
// *paidan.InputError naming the table and the row's id and wrapping a
// *paidan.FieldError, in LoadReport.Skipped. A scheduler logs them and plans
// the rest:
//
//	batch, report, err := postgres.Load(ctx, db, "north", postgres.LoadOptions{})
//	if err != nil {
//		return err // the database failed; nothing was planned
//	}
//	for _, bad := range report.Skipped {
//		logger.Warn("skipped row", "table", bad.Source, "id", bad.Key, "err", bad.Err)
//	}
//
// The queries are the .sql files beside this file, one statement each. The
// connecting role needs SELECT on paidan.task and paidan.worker, which the
// paidan_runtime role holds; Seed needs INSERT (and UPDATE for
// ConflictUpdate) on them.
package postgres
