// Package postgres reads a report's figures from paidan's PostgreSQL schema:
// one SQL file per input table of package report (report.Inputs; the two
// tables of task figures share task_stats.sql, one pass), run in one
// read-only, repeatable-read transaction so that every table sees the same
// snapshot. It also records what a run cost the engine (RecordUsage), rolls
// up the applied runs for reports (RollUp, migration 00053) and records the
// scheduler's report runs (StartReportRun, FinishReportRun).
//
// Over the rollups (Load, when the schema has them) the assignment figures
// come from paidan.run_rollup, run_region_rollup and task_rollup instead of
// paidan.assignment: dispatched_rollup.sql, applied_runs_rollup.sql,
// distances.sql (distances.go: summary and histogram) and task_groups.sql
// (tasks.go: the task tables, one pass). LoadAssignments reads the
// assignment rows as the table below says.
//
//	data, err := postgres.Load(ctx, db, q)
//	rep, err := report.Build(data, q)
//
// Where each figure comes from:
//
//	runs, run_times         paidan.run by started_at
//	dispatched, distance_*  paidan.assignment by created_at (the write-back's time)
//	left_out                paidan.unassigned of the runs started in the range
//	applied_runs            paidan.run (applied), assignment sums, paidan.run_usage
//	task_*, latency_*       paidan.task created in the range and their assignments;
//	                        done and cancelled times are the task's updated_at
//	worker_utilization      paidan.worker now (load / capacity)
//	stage_durations         paidan.run (whole run) and paidan.run_usage.stages
//	database_size           pg_total_relation_size, pg_database_size
package postgres
