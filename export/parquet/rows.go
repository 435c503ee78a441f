package parquet

import (
	"time"

	"github.com/paidan/paidan"
)

// AssignmentRow is one row of assignments.parquet: one task put on one
// worker. Costs are in the plan's cost units (the float64 nearest to the
// exact units × resolution) and, in the _units columns, in exact integer
// multiples of the resolution as the solver summed them.
type AssignmentRow struct {
	RunID              string  `parquet:"run_id,dict"`
	TaskID             string  `parquet:"task_id"`
	WorkerID           string  `parquet:"worker_id,dict"`
	Region             string  `parquet:"region,dict"` // the task's region
	Priority           int64   `parquet:"priority"`    // the task's priority
	DistanceKm         float64 `parquet:"distance_km"`
	CostTravel         float64 `parquet:"cost_travel"`
	CostBalance        float64 `parquet:"cost_balance"`
	CostStability      float64 `parquet:"cost_stability"`
	CostTotal          float64 `parquet:"cost_total"` // travel + balance + stability
	CostTravelUnits    int64   `parquet:"cost_travel_units"`
	CostBalanceUnits   int64   `parquet:"cost_balance_units"`
	CostStabilityUnits int64   `parquet:"cost_stability_units"`
	CostTotalUnits     int64   `parquet:"cost_total_units"` // the sum of the three
	Pinned             bool    `parquet:"pinned"`           // forced by the task's pinned worker
}

// UnassignedRow is one row of unassigned.parquet: a task left out of the
// plan, and why.
type UnassignedRow struct {
	RunID      string  `parquet:"run_id,dict"`
	TaskID     string  `parquet:"task_id"`
	Region     string  `parquet:"region,dict"`
	Priority   int64   `parquet:"priority"`
	Reason     string  `parquet:"reason,dict"` // stable code, paidan.Reason.String()
	ReasonCode int64   `parquet:"reason_code"` // numeric paidan.Reason
	Detail     string  `parquet:"detail,dict"` // explanation for planners
	Penalty    float64 `parquet:"penalty"`     // unassigned penalty paid, in cost units
	// PenaltyUnits is the penalty in exact multiples of the resolution.
	PenaltyUnits int64 `parquet:"penalty_units"`
}

// WorkerRow is one row of workers.parquet: one worker's capacity use.
type WorkerRow struct {
	RunID    string `parquet:"run_id,dict"`
	WorkerID string `parquet:"worker_id"`
	// Region is the worker's first region; empty (NULL in the file) when the
	// worker serves every region.
	Region      string  `parquet:"region,optional,dict"`
	Capacity    int64   `parquet:"capacity"`
	CurrentLoad int64   `parquet:"current_load"` // tasks held before the plan
	Assigned    int64   `parquet:"assigned"`     // tasks the plan adds
	Utilization float64 `parquet:"utilization"`  // (load+assigned)/capacity; 0 without capacity
}

// Summary scopes, the values of SummaryRow.Scope.
const (
	ScopeOverall = "overall" // the whole run; Region is NULL
	ScopeRegion  = "region"  // the tasks of one region
)

// SummaryRow is one row of summary.parquet. Each file holds one row with
// Scope ScopeOverall and then one row per region, sorted by region. The
// run-level columns (Objective to InputHash) repeat the run's values on
// every row so that any row stands alone.
type SummaryRow struct {
	RunID     string `parquet:"run_id"`
	Partition string `parquet:"partition"`
	Scope     string `parquet:"scope"`           // ScopeOverall or ScopeRegion
	Region    string `parquet:"region,optional"` // NULL on the overall row
	// AsOf is the instant the plan's input was taken, in UTC, truncated to
	// microseconds.
	AsOf time.Time `parquet:"as_of,timestamp(microsecond:utc)"`

	Tasks      int64 `parquet:"tasks"`
	Workers    int64 `parquet:"workers"`
	Assigned   int64 `parquet:"assigned"`
	Unassigned int64 `parquet:"unassigned"`

	// One count per paidan.Reason, named "unassigned_" + Reason.String();
	// zero when no task has the reason. They sum to Unassigned.
	UnassignedNoSkill           int64 `parquet:"unassigned_no_skill"`
	UnassignedNoRegion          int64 `parquet:"unassigned_no_region"`
	UnassignedOutOfRange        int64 `parquet:"unassigned_out_of_range"`
	UnassignedOutsideShift      int64 `parquet:"unassigned_outside_shift"`
	UnassignedNoCapacity        int64 `parquet:"unassigned_no_capacity"`
	UnassignedCheaperUnassigned int64 `parquet:"unassigned_cheaper_unassigned"`
	UnassignedPinnedInfeasible  int64 `parquet:"unassigned_pinned_infeasible"`

	TotalCost      float64 `parquet:"total_cost"`       // assignment costs plus penalties
	TotalCostUnits int64   `parquet:"total_cost_units"` // the same in multiples of Resolution
	MeanCost       float64 `parquet:"mean_cost"`        // assignment costs (no penalties) per assigned task
	DistanceP50    float64 `parquet:"distance_p50"`
	DistanceP90    float64 `parquet:"distance_p90"`
	UtilizationP50 float64 `parquet:"utilization_p50"`
	UtilizationP90 float64 `parquet:"utilization_p90"`

	Objective        float64 `parquet:"objective"`       // cost units
	ObjectiveUnits   int64   `parquet:"objective_units"` // multiples of Resolution
	DualBound        int64   `parquet:"dual_bound"`      // multiples of Resolution
	Resolution       float64 `parquet:"resolution"`
	Certificate      string  `parquet:"certificate"` // "verified", "failed" or "unchecked"
	SolverAlgorithm  string  `parquet:"solver_algorithm"`
	SolverNodes      int64   `parquet:"solver_nodes"`
	SolverArcs       int64   `parquet:"solver_arcs"`
	SolverIterations int64   `parquet:"solver_iterations"`
	SolveSeconds     float64 `parquet:"solve_seconds"`
	RulesHash        string  `parquet:"rules_hash"`
	InputHash        string  `parquet:"input_hash"`
}

// reasonCount returns the column of s that counts reason r, or nil when r
// has no column. It is the one place that ties reasons to columns.
func (s *SummaryRow) reasonCount(r paidan.Reason) *int64 {
	switch r {
	case paidan.NoSkill:
		return &s.UnassignedNoSkill
	case paidan.NoRegion:
		return &s.UnassignedNoRegion
	case paidan.OutOfRange:
		return &s.UnassignedOutOfRange
	case paidan.OutsideShift:
		return &s.UnassignedOutsideShift
	case paidan.NoCapacity:
		return &s.UnassignedNoCapacity
	case paidan.CheaperUnassigned:
		return &s.UnassignedCheaperUnassigned
	case paidan.PinnedInfeasible:
		return &s.UnassignedPinnedInfeasible
	}
	return nil
}

func assignmentRow(p *paidan.Plan, a *paidan.Assignment) AssignmentRow {
	return AssignmentRow{
		RunID:              p.RunID,
		TaskID:             string(a.Task),
		WorkerID:           string(a.Worker),
		Region:             a.Region,
		Priority:           int64(a.Priority),
		DistanceKm:         a.DistanceKm,
		CostTravel:         a.Cost.Travel,
		CostBalance:        a.Cost.Balance,
		CostStability:      a.Cost.Stability,
		CostTotal:          paidan.UnitsValue(a.Cost.TotalUnits(), p.Resolution),
		CostTravelUnits:    a.Cost.TravelUnits,
		CostBalanceUnits:   a.Cost.BalanceUnits,
		CostStabilityUnits: a.Cost.StabilityUnits,
		CostTotalUnits:     a.Cost.TotalUnits(),
		Pinned:             a.Pinned,
	}
}

func unassignedRow(p *paidan.Plan, u *paidan.Unassigned) UnassignedRow {
	return UnassignedRow{
		RunID:        p.RunID,
		TaskID:       string(u.Task),
		Region:       u.Region,
		Priority:     int64(u.Priority),
		Reason:       u.Reason.String(),
		ReasonCode:   int64(u.Reason),
		Detail:       u.Detail,
		Penalty:      u.Penalty,
		PenaltyUnits: u.PenaltyUnits,
	}
}

func workerRow(p *paidan.Plan, w *paidan.WorkerUsage) WorkerRow {
	return WorkerRow{
		RunID:       p.RunID,
		WorkerID:    string(w.Worker),
		Region:      w.Region,
		Capacity:    int64(w.Capacity),
		CurrentLoad: int64(w.Load),
		Assigned:    int64(w.Assigned),
		Utilization: w.Utilization(),
	}
}

// summaryRows returns the overall row followed by one row per region.
// validatePlan has checked that every reason has a column.
func summaryRows(p *paidan.Plan) []SummaryRow {
	rows := make([]SummaryRow, 0, 1+len(p.KPIs.ByRegion))
	rows = append(rows, summaryRow(p, ScopeOverall, "", &p.KPIs.Overall))
	for i := range p.KPIs.ByRegion {
		r := &p.KPIs.ByRegion[i]
		rows = append(rows, summaryRow(p, ScopeRegion, r.Region, &r.Summary))
	}
	return rows
}

func summaryRow(p *paidan.Plan, scope, region string, s *paidan.Summary) SummaryRow {
	row := SummaryRow{
		RunID:     p.RunID,
		Partition: p.Partition,
		Scope:     scope,
		Region:    region,
		AsOf:      asOf(p),

		Tasks:      int64(s.Tasks),
		Workers:    int64(s.Workers),
		Assigned:   int64(s.Assigned),
		Unassigned: int64(s.Unassigned),

		TotalCost:      s.TotalCost,
		TotalCostUnits: s.TotalCostUnits,
		MeanCost:       s.MeanCost,
		DistanceP50:    s.DistanceP50,
		DistanceP90:    s.DistanceP90,
		UtilizationP50: s.UtilizationP50,
		UtilizationP90: s.UtilizationP90,

		Objective:        p.Objective,
		ObjectiveUnits:   p.ObjectiveUnits,
		DualBound:        p.DualBound,
		Resolution:       p.Resolution,
		Certificate:      p.Certificate.String(),
		SolverAlgorithm:  p.Solver.Algorithm,
		SolverNodes:      int64(p.Solver.Nodes),
		SolverArcs:       int64(p.Solver.Arcs),
		SolverIterations: p.Solver.Iterations,
		SolveSeconds:     p.Solver.Duration.Seconds(),
		RulesHash:        p.RulesHash,
		InputHash:        p.InputHash,
	}
	for r, n := range s.UnassignedByReason {
		*row.reasonCount(r) = int64(n)
	}
	return row
}

// PotentialRow is one row of potentials.parquet: the verified dual
// potential of one node of the plan's network, in integer units of the
// resolution. Nodes are numbered as paidan.Plan.Potentials: the batch's
// tasks in batch order, then its workers in batch order, then the sink.
// The reduced cost of giving task t to worker w is cost(t, w) −
// potential[t] + potential[tasks + w]; it is what `paidan explain --plan`
// shows, without solving again.
type PotentialRow struct {
	RunID     string `parquet:"run_id,dict"`
	Node      int64  `parquet:"node"`
	Potential int64  `parquet:"potential"`
}

func potentialRows(p *paidan.Plan) []PotentialRow {
	rows := make([]PotentialRow, len(p.Potentials))
	for i, v := range p.Potentials {
		rows[i] = PotentialRow{RunID: p.RunID, Node: int64(i), Potential: v}
	}
	return rows
}
