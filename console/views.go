package console

import (
	"strconv"
	"time"
)

// RunFilter selects runs, newest first. Zero fields select all; Limit zero
// means 50.
type RunFilter struct {
	Partition string
	Status    string    // running, applied, failed or skipped
	Day       time.Time // runs started on this UTC day; zero for any day
	Offset    int
	Limit     int
}

// RunSummary is one run in the list of runs.
type RunSummary struct {
	ID          string         `json:"id"`
	Partition   string         `json:"partition"`
	Status      string         `json:"status"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at,omitempty"`
	Seconds     float64        `json:"seconds"` // from start to finish (0 while running)
	Objective   float64        `json:"objective"`
	Certificate string         `json:"certificate"`
	Assigned    int            `json:"assigned"`
	LeftOut     int            `json:"left_out"`
	ByReason    map[string]int `json:"left_out_by_reason,omitempty"`
	Conflicts   int            `json:"conflicts"`
	Error       string         `json:"error,omitempty"`
}

// Stats are a run's figures over all tasks or one region, as the run
// recorded them (paidan.run.kpis).
type Stats struct {
	Region         string         `json:"region,omitempty"`
	Tasks          int            `json:"tasks"`
	Workers        int            `json:"workers"`
	Assigned       int            `json:"assigned"`
	Unassigned     int            `json:"unassigned"`
	ByReason       map[string]int `json:"unassigned_by_reason,omitempty"`
	TotalCost      float64        `json:"total_cost"`
	MeanCost       float64        `json:"mean_cost"`
	DistanceP50    float64        `json:"distance_p50_km"`
	DistanceP90    float64        `json:"distance_p90_km"`
	UtilizationP50 float64        `json:"utilization_p50"`
	UtilizationP90 float64        `json:"utilization_p90"`
}

// RunDetail is one run with its figures.
type RunDetail struct {
	RunSummary
	RulesHash string  `json:"rules_hash,omitempty"`
	InputHash string  `json:"input_hash,omitempty"`
	DualBound int64   `json:"dual_bound"`
	Overall   *Stats  `json:"overall,omitempty"`
	ByRegion  []Stats `json:"by_region,omitempty"`
	// PreviousRulesHash is the rules hash of the partition's previous run
	// that recorded one ("" when none did); RulesChanged reports that it
	// differs from RulesHash (the change is audited as rules.change).
	PreviousRun       string `json:"previous_run,omitempty"`
	PreviousRulesHash string `json:"previous_rules_hash,omitempty"`
	RulesChanged      bool   `json:"rules_changed"`
	// Usage is what the run cost the engine (paidan.run_usage); nil when
	// the run recorded none.
	Usage *RunUsage `json:"usage,omitempty"`
}

// RunUsage is a run's CPU time, peak memory and stage durations.
type RunUsage struct {
	CPUSeconds      float64         `json:"cpu_seconds"`
	PeakMemoryBytes int64           `json:"peak_memory_bytes"`
	Stages          []StageDuration `json:"stages"` // in pipeline order, then by name
}

// StageDuration is how long one stage of a run took.
type StageDuration struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}

// AssignmentFilter selects a run's assignments in task order, from the
// first task id after After (keyset pages: a deep page costs what the
// first does). Search matches a task or worker id by prefix; Limit zero
// means 100. Offset applies to the tasks left out (LeftOut) only.
type AssignmentFilter struct {
	Run    string
	Search string
	After  string
	Offset int
	Limit  int
}

// AssignmentRow is one assignment of a run, with its cost breakdown.
type AssignmentRow struct {
	Task          string  `json:"task"`
	Worker        string  `json:"worker"`
	Region        string  `json:"region"`
	DistanceKm    float64 `json:"distance_km"`
	CostTravel    float64 `json:"cost_travel"`
	CostBalance   float64 `json:"cost_balance"`
	CostStability float64 `json:"cost_stability"`
	CostTotal     float64 `json:"cost_total"`
	Pinned        bool    `json:"pinned"`
	Active        bool    `json:"active"`
}

// LeftOutRow is a task a run considered and left out, with the reason code
// and the planner's sentence.
type LeftOutRow struct {
	Task   string `json:"task"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// TaskFacts are a task's columns.
type TaskFacts struct {
	ID             string     `json:"id"`
	Partition      string     `json:"partition"`
	Region         string     `json:"region"`
	Skills         []string   `json:"skills"`
	Priority       int        `json:"priority"`
	Lat            float64    `json:"lat"`
	Lon            float64    `json:"lon"`
	CreatedAt      time.Time  `json:"created_at"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	PinnedWorker   string     `json:"pinned_worker,omitempty"`
	PreviousWorker string     `json:"previous_worker,omitempty"`
	Status         string     `json:"status"`
	AssignedWorker string     `json:"assigned_worker,omitempty"`
	AssignedRun    string     `json:"assigned_run,omitempty"`
	Version        int64      `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// TaskEvent is what one run decided about a task: assigned to Worker, or
// left out for Reason.
type TaskEvent struct {
	Run       string    `json:"run"`
	StartedAt time.Time `json:"started_at"`
	Assigned  bool      `json:"assigned"`
	Worker    string    `json:"worker,omitempty"`
	CostTotal float64   `json:"cost_total,omitempty"`
	Active    bool      `json:"active,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// TaskDetail is a task, its history across runs, newest first, and the
// explanation of the latest kept run that decided about it.
type TaskDetail struct {
	Task    TaskFacts   `json:"task"`
	History []TaskEvent `json:"history"`
	// Explanation is nil when there is none; ExplanationNote says why.
	Explanation     *TaskExplanation `json:"explanation,omitempty"`
	ExplanationNote string           `json:"explanation_note,omitempty"`
}

// WorkerFilter selects workers in id order. Limit zero means 200.
type WorkerFilter struct {
	Partition string
	Search    string // id prefix
	Offset    int
	Limit     int
}

// WorkerRow is a worker with its load and where its tasks are.
type WorkerRow struct {
	ID        string   `json:"id"`
	Partition string   `json:"partition"`
	Regions   []string `json:"regions"`
	Skills    []string `json:"skills"`
	Capacity  int      `json:"capacity"`
	Load      int      `json:"load"`
	Active    bool     `json:"active"`
	// TaskRegions are the regions of the tasks the worker holds now.
	TaskRegions []string `json:"task_regions"`
}

// PartitionRow is a partition's backlog and schedule.
type PartitionRow struct {
	Name          string     `json:"name"`
	Pending       int        `json:"pending"`
	OldestPending *time.Time `json:"oldest_pending,omitempty"`
	OldestAge     float64    `json:"oldest_pending_age_seconds"`
	LastRun       string     `json:"last_run,omitempty"`
	LastStatus    string     `json:"last_status,omitempty"`
	LastStartedAt *time.Time `json:"last_started_at,omitempty"`
	Paused        bool       `json:"paused"`
	PausedBy      string     `json:"paused_by,omitempty"`
	PauseNote     string     `json:"pause_note,omitempty"`
	// NextRunAt is the soonest next cycle a running scheduler of the
	// partition recorded (paidan.scheduler_heartbeat), by NextRunBy; nil
	// when no scheduler recorded one. NextRunOverdue: it is over a minute
	// past (the scheduler is in a long cycle, or stopped without saying).
	NextRunAt      *time.Time `json:"next_run_at,omitempty"`
	NextRunBy      string     `json:"next_run_scheduler,omitempty"`
	NextRunOverdue bool       `json:"next_run_overdue"`
	// RunRequestedBy and RunRequestedAt describe the open run request
	// ("run now", not yet taken by a scheduler); empty when none.
	RunRequestedBy string     `json:"run_requested_by,omitempty"`
	RunRequestedAt *time.Time `json:"run_requested_at,omitempty"`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// PeakMemoryMiB is PeakMemoryBytes in mebibytes, for the run page.
func (u RunUsage) PeakMemoryMiB() float64 { return float64(u.PeakMemoryBytes) / (1 << 20) }
