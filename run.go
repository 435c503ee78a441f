package paidan

import (
	"fmt"
	"time"
)

// RunStatus is where a planning run stands. A run starts Running and ends in
// exactly one of the other statuses, which are final.
type RunStatus uint8

// Run statuses. The zero value is RunRunning. The codes are stored in
// databases: never reorder the values; only append.
const (
	RunRunning RunStatus = iota // started, not finished
	RunApplied                  // its plan was written back
	RunFailed                   // it ended with an error; nothing was written back
	RunSkipped                  // it decided not to plan (nothing pending, another run holds the partition, ...)
)

var runStatusCodes = [...]string{
	RunRunning: "running",
	RunApplied: "applied",
	RunFailed:  "failed",
	RunSkipped: "skipped",
}

// String returns the stable code of the status: "running", "applied",
// "failed" or "skipped".
func (s RunStatus) String() string {
	if int(s) < len(runStatusCodes) {
		return runStatusCodes[s]
	}
	return fmt.Sprintf("run_status(%d)", uint8(s))
}

// ParseRunStatus returns the status with the given code.
func ParseRunStatus(code string) (RunStatus, error) {
	for i, c := range runStatusCodes {
		if c == code {
			return RunStatus(i), nil
		}
	}
	return RunRunning, fmt.Errorf("unknown run status %q", code)
}

// Run is the record of one planning run of one partition: when it ran, how
// it ended and, when it produced a plan, the plan's figures. The plan fields
// are zero (and Certificate unchecked) for a run that ended before planning.
type Run struct {
	ID        string // unique per run; a run id is applied at most once
	Partition string
	Status    RunStatus

	StartedAt  time.Time
	FinishedAt time.Time // zero while Running

	RulesHash      string  // Plan.RulesHash
	InputHash      string  // Plan.InputHash
	Objective      float64 // Plan.Objective, in cost units
	ObjectiveUnits int64   // Plan.ObjectiveUnits
	DualBound      int64   // Plan.DualBound
	Certificate    Certificate
	KPIs           KPIs

	// Assigned counts the assignments written back; Conflicts counts the
	// plan's assignments the write-back refused because the task or the
	// worker changed since the batch was loaded.
	Assigned  int
	Conflicts int

	Error string // why the run failed or was skipped; empty otherwise
}

// SetPlan copies the figures of plan into r: hashes, objective, dual bound,
// certificate and KPIs.
func (r *Run) SetPlan(plan *Plan) {
	r.RulesHash = plan.RulesHash
	r.InputHash = plan.InputHash
	r.Objective = plan.Objective
	r.ObjectiveUnits = plan.ObjectiveUnits
	r.DualBound = plan.DualBound
	r.Certificate = plan.Certificate
	r.KPIs = plan.KPIs
}
