package model

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/paidan/paidan"
)

// ErrNoTask is returned by Explain for a task id that is not in the batch.
var ErrNoTask = errors.New("model: task not in the batch")

// ErrPlanMismatch is returned by Explain when the plan was not made from
// the batch (their input hashes differ).
var ErrPlanMismatch = errors.New("model: plan was made from another batch")

// Explanation says why one task got what it got in a plan.
type Explanation struct {
	Task    paidan.Task
	Penalty float64 // cost units of leaving the task out

	// Exactly one of Assignment and Unassigned is set.
	Assignment *paidan.Assignment
	Unassigned *paidan.Unassigned

	// Workers holds every worker of the batch: eligible workers with
	// capacity left in the plan cheapest first, then eligible workers the
	// plan filled, nearest first, then ineligible workers, nearest first.
	Workers []Consideration

	// Priced reports that the plan carries dual potentials and the task is
	// not pinned, so that Workers hold reduced costs.
	Priced bool

	// Why is a planner's sentence: the chosen worker's cost against the
	// next best eligible worker, or the unassigned reason and its detail.
	Why string
}

// Consideration is one worker's verdict for the task, rule by rule.
type Consideration struct {
	Worker     paidan.WorkerID
	DistanceKm float64
	Arrival    time.Time // earliest arrival at the task, UTC

	Skill, Region, Range, Shift, Capacity RuleCheck

	Eligible bool // every rule holds
	Chosen   bool // the plan gives the task to this worker
	// Full means the worker is eligible but the plan gives all of its
	// remaining capacity to other tasks.
	Full bool
	// Cost is, for the chosen worker, the task's cost in the plan; for
	// other eligible workers that are not Full, what the task would cost on
	// them on top of the plan (their next unit's balance tier). Zero
	// otherwise.
	Cost paidan.Cost
	// ReducedCost is, for an eligible worker not chosen when the
	// Explanation is Priced, the task's cost on this worker less the task's
	// dual potential plus the worker's, in cost units: the least by which
	// the plan's total cost would rise were the task given to this worker,
	// however the other tasks were then rearranged. It is never negative,
	// which is why no such worker is better (the plan's certificate). Zero
	// otherwise.
	ReducedCost float64
}

// RuleCheck is one hard rule's verdict. Detail names the blocking fact
// when OK is false ("lacks forklift", "62.1 km > limit 50.0 km").
type RuleCheck struct {
	OK     bool
	Detail string
}

// Explain explains task id's outcome in plan, which must have been made by
// Plan from b under rules. Every worker of the batch is checked against
// every hard rule; the cost is linear in the size of the batch (no solve).
// With the plan's dual potentials, every eligible worker not chosen also
// gets its reduced cost (the dual view: why it is not better). To explain
// several tasks of one plan, NewExplainer prepares the batch once.
//
// Errors: the rules' Validate error; ErrNoTask; ErrPlanMismatch; the
// batch errors of Plan.
func Explain(b *paidan.Batch, rules paidan.Rules, plan *paidan.Plan, id paidan.TaskID) (*Explanation, error) {
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("explain: rules: %w", err)
	}
	if !slices.ContainsFunc(b.Tasks, func(t paidan.Task) bool { return t.ID == id }) {
		return nil, fmt.Errorf("explain %s: %w", id, ErrNoTask)
	}
	x, err := prepareExplainer(b, rules, plan)
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", id, err)
	}
	return x.Explain(id)
}

// Explainer explains the tasks of one plan. NewExplainer checks the plan
// against the batch and prepares the batch for eligibility checks once,
// so that each Explain costs only the task's checks against every worker.
// An Explainer is never changed after NewExplainer: it is safe for
// concurrent use, and the batch, rules and plan must not be changed while
// it is used.
type Explainer struct {
	b        *paidan.Batch
	plan     *paidan.Plan
	in       *instance
	task     map[paidan.TaskID]int // index in b.Tasks
	assigned map[paidan.TaskID]int // index in plan.Assignments
	left     map[paidan.TaskID]int // index in plan.Unassigned
}

// NewExplainer prepares the explanations of plan, which must have been
// made by Plan from b under rules. Errors: the rules' Validate error;
// ErrPlanMismatch; the batch errors of Plan.
func NewExplainer(b *paidan.Batch, rules paidan.Rules, plan *paidan.Plan) (*Explainer, error) {
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("explain: rules: %w", err)
	}
	x, err := prepareExplainer(b, rules, plan)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return x, nil
}

// prepareExplainer is NewExplainer under valid rules, its errors unwrapped.
func prepareExplainer(b *paidan.Batch, rules paidan.Rules, plan *paidan.Plan) (*Explainer, error) {
	if plan.InputHash != InputHash(b) || len(plan.Workers) != len(b.Workers) {
		return nil, ErrPlanMismatch
	}
	in, err := newInstance(b, rules)
	if err != nil {
		return nil, err
	}
	x := &Explainer{b: b, plan: plan, in: in, task: make(map[paidan.TaskID]int, len(b.Tasks)),
		assigned: make(map[paidan.TaskID]int, len(plan.Assignments)), left: make(map[paidan.TaskID]int, len(plan.Unassigned))}
	for i := range b.Tasks {
		if _, ok := x.task[b.Tasks[i].ID]; !ok {
			x.task[b.Tasks[i].ID] = i
		}
	}
	for i := range plan.Assignments {
		if _, ok := x.assigned[plan.Assignments[i].Task]; !ok {
			x.assigned[plan.Assignments[i].Task] = i
		}
	}
	for i := range plan.Unassigned {
		if _, ok := x.left[plan.Unassigned[i].Task]; !ok {
			x.left[plan.Unassigned[i].Task] = i
		}
	}
	return x, nil
}

// Explain explains task id's outcome in the plan (see the function
// Explain). Errors: ErrNoTask; ErrPlanMismatch when the plan neither
// assigns nor lists the task.
func (x *Explainer) Explain(id paidan.TaskID) (*Explanation, error) {
	b, plan, in := x.b, x.plan, x.in
	ti, ok := x.task[id]
	if !ok {
		return nil, fmt.Errorf("explain %s: %w", id, ErrNoTask)
	}
	e := &Explanation{Task: b.Tasks[ti], Penalty: in.cost.value(in.tasks[ti].penalty),
		Priced: len(plan.Potentials) == len(b.Tasks)+len(b.Workers)+1 && in.tasks[ti].pinned == -1}
	chosen := int32(-1)
	if i, ok := x.assigned[id]; ok {
		e.Assignment = &plan.Assignments[i]
		chosen = in.workerByID[e.Assignment.Worker]
	} else if i, ok := x.left[id]; ok {
		e.Unassigned = &plan.Unassigned[i]
	} else {
		return nil, fmt.Errorf("explain %s: %w: the plan neither assigns nor lists the task", id, ErrPlanMismatch)
	}

	for wi := range b.Workers {
		v := in.check(ti, wi, allRules, true)
		c := Consideration{
			Worker:     b.Workers[wi].ID,
			DistanceKm: v.distKm,
			Eligible:   v.ok(),
			Chosen:     int32(wi) == chosen,
		}
		if v.arrival != noTime {
			c.Arrival = time.Unix(0, v.arrival).UTC()
		}
		for r, rc := range []*RuleCheck{&c.Skill, &c.Region, &c.Range, &c.Shift, &c.Capacity} {
			rc.OK = !v.failed.has(rule(r))
			if !rc.OK {
				rc.Detail = in.ruleDetail(ti, wi, rule(r), v)
			}
		}
		if e.Priced && c.Eligible && !c.Chosen {
			pot := plan.Potentials
			c.ReducedCost = in.cost.value(in.arcUnits(ti, wi, v.distKm) - pot[ti] + pot[len(b.Tasks)+wi])
		}
		switch {
		case c.Chosen:
			c.Cost = e.Assignment.Cost
		case c.Eligible:
			bal, ok := in.workers[wi].tiers.unit(plan.Workers[wi].Assigned + 1)
			c.Full = !ok
			if ok {
				travel := in.cost.travel(v.distKm)
				c.Cost = in.cost.breakdown(travel, bal, in.arcUnits(ti, wi, v.distKm)-travel)
			}
		}
		e.Workers = append(e.Workers, c)
	}
	group := func(c Consideration) int {
		switch {
		case c.Chosen:
			return 0
		case c.Eligible && !c.Full:
			return 1
		case c.Eligible:
			return 2
		}
		return 3
	}
	slices.SortStableFunc(e.Workers, func(a, b Consideration) int {
		ga := group(a)
		if r := cmp.Compare(ga, group(b)); r != 0 || ga != 1 {
			return cmp.Or(r, cmp.Compare(a.DistanceKm, b.DistanceKm))
		}
		return cmp.Or(cmp.Compare(a.Cost.Total(), b.Cost.Total()), cmp.Compare(a.DistanceKm, b.DistanceKm))
	})
	e.Why = e.why()
	return e, nil
}

func (e *Explanation) why() string {
	if u := e.Unassigned; u != nil {
		return fmt.Sprintf("unassigned (%s): %s; penalty %.1f", u.Reason, u.Detail, u.Penalty)
	}
	a := e.Assignment
	s := fmt.Sprintf("assigned to %s", a.Worker)
	if a.Pinned {
		s += " (pinned)"
	}
	s += fmt.Sprintf(" at cost %.1f (travel %.1f, balance %.1f, stability %.1f, %.1f km) instead of penalty %.1f",
		a.Cost.Total(), a.Cost.Travel, a.Cost.Balance, a.Cost.Stability, a.DistanceKm, e.Penalty)
	for _, c := range e.Workers {
		if !c.Chosen && c.Eligible && !c.Full {
			s += fmt.Sprintf("; next best eligible worker with capacity left: %s at %.1f (%.1f km)", c.Worker, c.Cost.Total(), c.DistanceKm)
			if c.Cost.Total() < a.Cost.Total() {
				// Possible when balance is attributed to another task of the
				// chosen worker, or when pruning left this worker out.
				s += ", cheaper for this task alone"
			}
			return s
		}
	}
	full := 0
	for _, c := range e.Workers {
		if c.Full {
			full++
		}
	}
	switch {
	case full == 1:
		return s + "; the one other eligible worker is full in this plan"
	case full > 1:
		return s + fmt.Sprintf("; the %d other eligible workers are full in this plan", full)
	}
	return s + "; the only eligible worker"
}
