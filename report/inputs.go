package report

import "time"

// Names of the tables a Source fills (see Inputs). Build derives the
// report's other tables from them.
const (
	TableRuns              = "runs"
	TableDispatched        = "dispatched"
	TableLeftOut           = "left_out"
	TableAppliedRuns       = "applied_runs"
	TableDistanceSummary   = "distance_summary"
	TableDistanceHistogram = "distance_histogram"
	TableTaskCompletion    = "task_completion"
	TableLatencyByRegion   = "latency_by_region"
	TableWorkerGroups      = "completion_by_worker_group"
	TableLatencyBreaches   = "latency_breaches"
	TablePendingTooLong    = "pending_too_long"
	TableWorkerUtilization = "worker_utilization"
	TableStageDurations    = "stage_durations"
	TableDatabaseSize      = "database_size"
)

// NoWorkerGroup is the worker_group of the completion_by_worker_group
// table for the workers that belong to no group (worker_group ”).
const NoWorkerGroup = "(none)"

// DistanceBins is the number of bins of the distance histogram.
const DistanceBins = 20

// Data is what a Source read for a Query: the input tables by name (every
// name of Inputs), every run started in the range, and each partition's
// last run before it when that run was skipped (see cycles).
type Data struct {
	Tables map[string]*Table
	Runs   []RunTime // ordered by partition, then start; may start before From
}

// RunTime is when a run started and how it ended.
type RunTime struct {
	Partition string
	Start     time.Time
	Status    string // running, applied, skipped, failed
}

func col(name, unit string, k Kind) Column { return Column{Name: name, Unit: unit, Kind: k} }

// Inputs returns the input tables, without rows: names, titles and columns,
// in the order the Source must fill them.
func Inputs() []*Table {
	period := col("period_start", "UTC", Time)
	return []*Table{
		{Name: TableRuns, Title: "Runs per period and partition, by status", Columns: []Column{
			period, col("partition", "", String), col("applied", "runs", Int), col("skipped", "runs", Int),
			col("failed", "runs", Int), col("running", "runs", Int)}},
		{Name: TableDispatched, Title: "Tasks dispatched per period, partition and region", Columns: []Column{
			period, col("partition", "", String), col("region", "", String), col("assignments", "assignments", Int),
			col("tasks", "tasks", Int), col("distance_km", "km", Float)}},
		{Name: TableLeftOut, Title: "Tasks left out per period, partition and reason (each task once per period, under its last reason)", Columns: []Column{
			period, col("partition", "", String), col("reason", "", String), col("tasks", "tasks", Int),
			col("task_runs", "task-runs", Int), col("runs_waited_max", "runs", Int), col("runs_waited_mean", "runs", Float)}},
		{Name: TableAppliedRuns, Title: "Applied runs: objective, components, certificate, engine usage", Columns: []Column{
			col("run_id", "", String), col("partition", "", String), col("started_at", "UTC", Time), col("finished_at", "UTC", Time),
			col("duration_s", "s", Float), col("certificate", "", String), col("objective", "cost", Float),
			col("objective_units", "cost units", Int), col("dual_bound", "cost units", Int), col("gap_units", "cost units", Int),
			col("assigned", "tasks", Int), col("conflicts", "tasks", Int), col("cost_travel", "cost", Float),
			col("cost_balance", "cost", Float), col("cost_stability", "cost", Float), col("penalty", "cost", Float),
			col("conflict_cost", "cost", Float), col("utilization_p50", "load/capacity", Float), col("utilization_p90", "load/capacity", Float),
			col("cpu_seconds", "s", Float), col("peak_memory_bytes", "bytes", Int)}},
		{Name: TableDistanceSummary, Title: "Travel distance of the assignments", Columns: []Column{
			col("assignments", "assignments", Int), col("mean_km", "km", Float), col("p50_km", "km", Float),
			col("p90_km", "km", Float), col("p99_km", "km", Float), col("max_km", "km", Float)}},
		{Name: TableDistanceHistogram, Title: "Travel distance distribution", Columns: []Column{
			col("bin_from_km", "km", Float), col("bin_to_km", "km", Float), col("assignments", "assignments", Int)}},
		{Name: TableTaskCompletion, Title: "Task completion per period of creation and region (status now)", Columns: []Column{
			period, col("region", "", String), col("created", "tasks", Int), col("assigned_ever", "tasks", Int),
			col("assigned_now", "tasks", Int), col("done", "tasks", Int), col("cancelled", "tasks", Int),
			col("pending", "tasks", Int), col("completion_rate", "done/created", Float),
			col("reassigned_tasks", "tasks", Int), col("reassignments", "assignments", Int),
			col("wait_p50_s", "s", Float), col("wait_p90_s", "s", Float), col("wait_p99_s", "s", Float),
			col("done_p50_s", "s", Float), col("done_p90_s", "s", Float),
			col("sla_tasks", "tasks", Int), col("breaches", "tasks", Int), col("within_target_share", "share", Float)}},
		{Name: TableLatencyByRegion, Title: "Created → first assigned and assigned → done, per region", Columns: []Column{
			col("region", "", String), col("assigned_tasks", "tasks", Int), col("wait_min_s", "s", Float),
			col("wait_p25_s", "s", Float), col("wait_p50_s", "s", Float), col("wait_p75_s", "s", Float),
			col("wait_p90_s", "s", Float), col("wait_p99_s", "s", Float), col("wait_max_s", "s", Float),
			col("done_tasks", "tasks", Int), col("done_p50_s", "s", Float), col("done_p90_s", "s", Float),
			col("done_p99_s", "s", Float)}},
		{Name: TableWorkerGroups, Title: "Task completion per worker group (of the worker of each task's latest assignment; tasks created in the range and ever assigned)", Columns: []Column{
			col("worker_group", "", String), col("assigned_tasks", "tasks", Int), col("assigned_now", "tasks", Int),
			col("done", "tasks", Int), col("cancelled", "tasks", Int), col("pending", "tasks", Int),
			col("completion_rate", "done/assigned", Float), col("reassigned_tasks", "tasks", Int),
			col("reassignments", "assignments", Int), col("wait_p50_s", "s", Float), col("wait_p90_s", "s", Float),
			col("wait_p99_s", "s", Float), col("done_p50_s", "s", Float), col("done_p90_s", "s", Float),
			col("done_p99_s", "s", Float), col("breaches", "tasks", Int)}},
		{Name: TableLatencyBreaches, Title: "Dispatch latency breaches (created → first assigned over the target)", Columns: []Column{
			col("task_id", "", String), col("partition", "", String), col("region", "", String),
			col("created_at", "UTC", Time), col("first_assigned_at", "UTC", Time), col("latency_s", "s", Float)}},
		{Name: TablePendingTooLong, Title: "Tasks pending longer than the threshold at the end of the range", Columns: []Column{
			col("task_id", "", String), col("partition", "", String), col("region", "", String),
			col("created_at", "UTC", Time), col("waited_s", "s", Float)}},
		{Name: TableWorkerUtilization, Title: "Active workers: load / capacity now", Columns: []Column{
			col("worker_id", "", String), col("partition", "", String), col("region", "", String),
			col("capacity", "tasks", Int), col("load", "tasks", Int), col("utilization", "load/capacity", Float)}},
		{Name: TableStageDurations, Title: "Run durations: whole run and each recorded stage", Columns: []Column{
			col("stage", "", String), col("runs", "runs", Int), col("p50_s", "s", Float),
			col("p90_s", "s", Float), col("max_s", "s", Float)}},
		{Name: TableDatabaseSize, Title: "Database size now", Columns: []Column{
			col("relation", "", String), col("bytes", "bytes", Int)}},
	}
}
