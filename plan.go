package paidan

import (
	"fmt"
	"time"
)

// Reason says why a task is not in a plan. The numeric values are stored in
// databases and files: never reorder them; only append.
type Reason uint8

// The reasons a task can be left unassigned, from the most fundamental to
// the most economic. The model reports the first one that applies.
const (
	ReasonUnknown     Reason = iota // not set; never in a valid plan
	NoSkill                         // no worker has all the required skills
	NoRegion                        // no worker with the skills serves the task's region
	OutOfRange                      // every worker with skills and region is too far away
	OutsideShift                    // no eligible worker can arrive within its shift and the task's deadline
	NoCapacity                      // eligible workers exist but all of their capacity went to other tasks
	CheaperUnassigned               // leaving the task out costs less than any eligible assignment
	PinnedInfeasible                // the task is pinned to a worker that cannot take it
)

var reasonCodes = [...]string{
	ReasonUnknown:     "unknown",
	NoSkill:           "no_skill",
	NoRegion:          "no_region",
	OutOfRange:        "out_of_range",
	OutsideShift:      "outside_shift",
	NoCapacity:        "no_capacity",
	CheaperUnassigned: "cheaper_unassigned",
	PinnedInfeasible:  "pinned_infeasible",
}

// Reasons lists every reason a valid plan can carry, in code order.
func Reasons() []Reason {
	return []Reason{NoSkill, NoRegion, OutOfRange, OutsideShift, NoCapacity, CheaperUnassigned, PinnedInfeasible}
}

// String returns the stable snake_case code of the reason, as written in
// files and databases.
func (r Reason) String() string {
	if int(r) < len(reasonCodes) {
		return reasonCodes[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// ParseReason returns the reason with the given code.
func ParseReason(code string) (Reason, error) {
	for i, c := range reasonCodes {
		if c == code {
			return Reason(i), nil
		}
	}
	return ReasonUnknown, fmt.Errorf("unknown reason code %q", code)
}

// Certificate is the outcome of checking a solve's optimality certificate.
type Certificate uint8

// Certificate outcomes.
const (
	CertificateUnchecked Certificate = iota // not checked; never written back
	CertificateVerified                     // primal feasible and dual optimal on integers
	CertificateFailed                       // the check found a violation; the plan is not used
)

// String returns "unchecked", "verified" or "failed".
func (c Certificate) String() string {
	switch c {
	case CertificateVerified:
		return "verified"
	case CertificateFailed:
		return "failed"
	default:
		return "unchecked"
	}
}

// Cost is the cost of one assignment, split by component. The Units
// fields are the exact integer multiples of Plan.Resolution the solver
// minimized (see the README's "Cost model"); the float fields are the same
// in cost units, each the float64 nearest to its units × Resolution
// (UnitsValue).
type Cost struct {
	Travel    float64 // TravelCostPerKm × distance
	Balance   float64 // marginal load-balancing tier cost of this task
	Stability float64 // penalty for moving away from the previous worker

	TravelUnits, BalanceUnits, StabilityUnits int64
}

// Total returns the sum of the float components. For an exact figure use
// TotalUnits.
func (c Cost) Total() float64 { return c.Travel + c.Balance + c.Stability }

// TotalUnits returns the sum of the components in integer units.
func (c Cost) TotalUnits() int64 { return c.TravelUnits + c.BalanceUnits + c.StabilityUnits }

// Assignment puts one task on one worker.
type Assignment struct {
	Task       TaskID
	Worker     WorkerID
	Region     string // the task's region
	Priority   int    // the task's priority
	DistanceKm float64
	Cost       Cost
	Pinned     bool // the assignment was forced by Task.PinnedWorker
}

// Unassigned records why a task is not in a plan. Planners read Detail.
type Unassigned struct {
	Task     TaskID
	Region   string // the task's region
	Priority int    // the task's priority
	Reason   Reason
	Detail   string  // "region north: no worker with skill forklift"
	Penalty  float64 // the unassigned penalty the plan paid, in cost units
	// PenaltyUnits is Penalty in exact integer multiples of
	// Plan.Resolution, as the solver saw it.
	PenaltyUnits int64
}

// WorkerUsage is one worker's capacity use in a plan.
type WorkerUsage struct {
	Worker   WorkerID
	Region   string   // the worker's first region; "" if it serves every region
	Regions  []string // every region the worker serves; empty means every region
	Capacity int
	Load     int // tasks held before the plan
	Assigned int // tasks the plan adds
}

// Utilization returns (Load+Assigned)/Capacity, or 0 for a worker without
// capacity.
func (u WorkerUsage) Utilization() float64 {
	if u.Capacity <= 0 {
		return 0
	}
	return float64(u.Load+u.Assigned) / float64(u.Capacity)
}

// SolverStats describes the solve behind a plan.
type SolverStats struct {
	Algorithm  string
	Nodes      int
	Arcs       int
	Iterations int64
	Duration   time.Duration
}

// PricingStats describes the pricing (column generation) behind a plan:
// after each solve of the candidate network, every eligible task-worker
// pair outside it is priced against the solve's dual potentials, and pairs
// of negative reduced cost are added and the network solved again. When a
// round adds nothing, the certificate proves the plan optimal over every
// eligible pair, not only the candidates. The zero value means no pricing
// was done.
type PricingStats struct {
	// Rounds is the number of solves; 1 when the first candidate network
	// was already optimal over every eligible pair.
	Rounds int
	// PricedPairs counts the task-worker pairs whose cost pricing computed,
	// over all rounds: those its distance bound could not rule out. Every
	// other pair was ruled out by the bound without computing its cost.
	PricedPairs int64
	// AddedArcs counts the pairs of negative reduced cost added, over all
	// rounds.
	AddedArcs int
	// SampleTasks is the number of tasks of the sample whose plan gave the
	// worker prices that seeded the first network (a quarter of the
	// batch), or 0 when the batch was too small to sample. PricedPairs
	// counts the pairs priced to seed; the sample's own pricing is not
	// counted.
	SampleTasks int
	// SeededArcs counts the arcs the seed added to the first network.
	SeededArcs int
}

// Plan is the result of one planning run: who does what, what is left out
// and why, and the evidence that it is optimal.
type Plan struct {
	RunID     string
	Partition string
	AsOf      time.Time

	Assignments []Assignment
	Unassigned  []Unassigned
	Workers     []WorkerUsage // one per worker of the batch, in batch order

	// Objective is the minimized total cost in cost units: assignment costs
	// plus unassigned penalties. ObjectiveUnits is the same value in integer
	// multiples of Resolution, exactly as the solver saw it.
	Objective      float64
	ObjectiveUnits int64
	// DualBound is the dual objective in integer units; it equals
	// ObjectiveUnits when the certificate verified.
	DualBound   int64
	Resolution  float64
	Certificate Certificate
	Solver      SolverStats
	// Pricing records how the certificate was extended from the candidate
	// network to every eligible task-worker pair.
	Pricing PricingStats
	// Potentials are the verified dual potentials in integer units, one per
	// node of the plan's network: the batch's tasks in order, then its
	// workers in order, then the sink. The reduced cost of giving task t to
	// worker w on top of the plan is cost(t,w) − Potentials[t] +
	// Potentials[len(tasks)+w]; the certificate proves it non-negative for
	// every eligible pair of an unpinned task. Nil when not recorded.
	Potentials []int64

	RulesHash string // hex SHA-256 of the canonical rules
	InputHash string // hex SHA-256 of the canonical batch

	KPIs KPIs
}

// KPIs summarizes a plan for planners and reports.
type KPIs struct {
	Overall  Summary
	ByRegion []RegionSummary // sorted by region
}

// RegionSummary is a Summary restricted to one region: its tasks, and the
// workers that serve it (those listing it, and those serving every region;
// a worker serving several regions counts in each).
type RegionSummary struct {
	Region string
	Summary
}

// Summary holds plan figures over a set of tasks and workers.
type Summary struct {
	Tasks      int
	Workers    int // overall: every worker; per region: those serving it
	Assigned   int
	Unassigned int
	// UnassignedByReason counts unassigned tasks per reason; reasons with no
	// task are absent.
	UnassignedByReason map[Reason]int

	// TotalCost is the cost of the scope's tasks: their assignment costs
	// plus the penalties of those left out; overall it is the objective.
	// TotalCostUnits is the same in exact multiples of Plan.Resolution.
	TotalCost      float64
	TotalCostUnits int64
	// MeanCost is the mean assignment cost (travel + balance + stability,
	// no penalties) over the scope's assigned tasks; 0 when none is.
	MeanCost    float64
	DistanceP50 float64 // km, over assigned tasks
	DistanceP90 float64
	// UtilizationP50 and P90 are over the scope's workers with capacity:
	// (load + assigned) / capacity, empirical quantiles.
	UtilizationP50 float64
	UtilizationP90 float64
}
