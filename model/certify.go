package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// ErrRefuted is wrapped by every *Refutation: a stored plan whose
// certificate does not hold against its input.
var ErrRefuted = errors.New("model: certificate refuted")

// Refutation says which check of Certify failed and on what.
type Refutation struct {
	// Check names the condition: one of the Check* constants.
	Check string
	// Detail names the task, worker, pair or figure and the numbers that
	// disagree ("task t42 on worker w7: stored travel 120 units, the input
	// gives 118").
	Detail string
}

func (r *Refutation) Error() string { return "refuted: " + r.Check + ": " + r.Detail }

// Unwrap returns ErrRefuted.
func (r *Refutation) Unwrap() error { return ErrRefuted }

// The checks of Certify, in the order it runs them (Refutation.Check).
const (
	CheckHashes      = "input and rules hashes"
	CheckCoverage    = "every task once"
	CheckEligibility = "eligibility"
	CheckPrimal      = "primal feasibility"
	CheckCosts       = "costs"
	CheckPotentials  = "potentials"
	CheckDual        = "dual feasibility"
	CheckSlackness   = "complementary slackness"
	CheckObjective   = "objective"
	CheckDualBound   = "objective equals dual bound"
	CheckPricing     = "pricing optimality"
)

// Certified is what Certify proved, and how long each part took.
type Certified struct {
	Tasks, Workers, Assigned, Unassigned int
	// Objective and DualBound are the plan's, in units; Certify proved
	// them equal, and equal to the cost recomputed from the input.
	Objective, DualBound int64
	// PricedPairs is the number of eligible task-worker pairs off the
	// plan whose reduced cost was computed (the others lie beyond the
	// pricing radius, where travel alone keeps it non-negative).
	PricedPairs int64

	Prepare time.Duration // eligibility and costs of the input (the instance)
	Check   time.Duration // coverage, costs, primal and dual conditions
	Price   time.Duration // pricing over every eligible pair
}

// Certify re-checks a stored plan's optimality certificate against the
// batch and rules it claims to come from, recomputing everything from
// them and trusting nothing of the plan but its decisions and numbers:
//
//   - the batch and rules hash to the plan's InputHash and RulesHash;
//   - every task of the batch is assigned or left out exactly once, and
//     nothing else is;
//   - every assignment satisfies every hard rule (eligibility.go), pinned
//     tasks are on their worker unless the pin cannot be honoured, and no
//     worker gets more tasks than its remaining capacity (primal
//     feasibility);
//   - every assignment's distance and travel, balance and stability costs,
//     and every left-out task's penalty, are what the rules give;
//   - with the plan's potentials π (tasks, workers, sink, as
//     Plan.Potentials), every arc of the network of the plan's pairs has a
//     reduced cost c − π(tail) + π(head) of the sign its flow allows: a
//     used pair, a used load tier and a task left out at most zero, an
//     unused tier and an unused leave-out arc at least zero (dual
//     feasibility and complementary slackness; solver.VerifyDispatch
//     re-proves them on the same network);
//   - the cost recomputed from the input equals the plan's objective,
//     which equals its dual bound;
//   - every eligible pair off the plan, of a worker with capacity, has a
//     non-negative reduced cost (pricing, as Plan's last round does, over
//     the same k-d tree search): the plan is optimal over every eligible
//     task-worker pair, not only over the pairs it used.
//
// A failed check is a *Refutation (wrapping ErrRefuted) naming it; other
// errors are the rules' Validate error, a batch Plan could not have
// planned, or the context's. parallel is the number of goroutines that
// price (zero: GOMAXPROCS); the verdict does not depend on it. Certify
// does not modify its arguments.
func Certify(ctx context.Context, b *paidan.Batch, rules paidan.Rules, plan *paidan.Plan, parallel int) (*Certified, error) {
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("certify: rules: %w", err)
	}
	refute := func(check, format string, args ...any) error {
		return &Refutation{Check: check, Detail: fmt.Sprintf(format, args...)}
	}
	if h := InputHash(b); h != plan.InputHash {
		return nil, refute(CheckHashes, "the input hashes to %s, the plan names %s", h, plan.InputHash)
	}
	if h := RulesHash(rules); h != plan.RulesHash {
		return nil, refute(CheckHashes, "the rules hash to %s, the plan names %s", h, plan.RulesHash)
	}
	cert := &Certified{Tasks: len(b.Tasks), Workers: len(b.Workers), Assigned: len(plan.Assignments),
		Unassigned: len(plan.Unassigned), Objective: plan.ObjectiveUnits, DualBound: plan.DualBound}

	start := time.Now()
	in, err := newInstance(b, rules)
	if err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	cert.Prepare = time.Since(start)

	start = time.Now()
	c, err := in.certifyNetwork(plan)
	if err != nil {
		return nil, err
	}
	cert.Check = time.Since(start)

	start = time.Now()
	if err := in.certifyPricing(ctx, c, plan, parallel, &cert.PricedPairs); err != nil {
		return nil, err
	}
	cert.Price = time.Since(start)
	return cert, nil
}

// certified is the network of a stored plan's pairs with the plan's
// solution on it.
type certified struct {
	net   *network
	res   *solver.DispatchResult
	cands *candidates // the plan's pair per task, for pricing to skip
}

// certifyNetwork runs every check of Certify but pricing.
func (in *instance) certifyNetwork(plan *paidan.Plan) (*certified, error) {
	b := in.batch
	T, W := len(b.Tasks), len(b.Workers)
	refute := func(check, format string, args ...any) error {
		return &Refutation{Check: check, Detail: fmt.Sprintf(format, args...)}
	}
	taskByID := make(map[paidan.TaskID]int32, T)
	for i := range b.Tasks {
		taskByID[b.Tasks[i].ID] = int32(i)
	}

	// Coverage: each task once, assigned or left out.
	assignedOf := make([]int32, T) // index into plan.Assignments, or -1
	leftOut := make([]int32, T)    // index into plan.Unassigned, or -1
	for i := range assignedOf {
		assignedOf[i], leftOut[i] = -1, -1
	}
	for i, a := range plan.Assignments {
		ti, ok := taskByID[a.Task]
		switch {
		case !ok:
			return nil, refute(CheckCoverage, "assignment %d: task %s is not in the input", i+1, a.Task)
		case assignedOf[ti] >= 0:
			return nil, refute(CheckCoverage, "task %s is assigned twice", a.Task)
		}
		if _, ok := in.workerByID[a.Worker]; !ok {
			return nil, refute(CheckCoverage, "task %s is assigned to worker %s, which is not in the input", a.Task, a.Worker)
		}
		assignedOf[ti] = int32(i)
	}
	for i, u := range plan.Unassigned {
		ti, ok := taskByID[u.Task]
		switch {
		case !ok:
			return nil, refute(CheckCoverage, "left-out task %d: %s is not in the input", i+1, u.Task)
		case assignedOf[ti] >= 0:
			return nil, refute(CheckCoverage, "task %s is both assigned and left out", u.Task)
		case leftOut[ti] >= 0:
			return nil, refute(CheckCoverage, "task %s is left out twice", u.Task)
		}
		leftOut[ti] = int32(i)
	}
	for ti := range T {
		if assignedOf[ti] < 0 && leftOut[ti] < 0 {
			return nil, refute(CheckCoverage, "task %s is neither assigned nor left out", b.Tasks[ti].ID)
		}
	}
	if len(plan.Potentials) != T+W+1 {
		return nil, refute(CheckPotentials, "%d potentials; the input's network has %d nodes (%d tasks, %d workers, the sink)",
			len(plan.Potentials), T+W+1, T, W)
	}
	// Costs in units stay below 2^53 (checkTotal); a potential beyond
	// ±2^61 could only overflow the reduced costs priced below.
	for v, p := range plan.Potentials {
		if p > 1<<61 || p < -(1<<61) {
			return nil, refute(CheckPotentials, "node %d (%s) has potential %d, beyond ±2^61", v, in.nodeName(v), p)
		}
	}

	// Eligibility, then the network of the plan's pairs: the pinned arcs
	// as Plan builds them, and each other assigned task's one pair.
	empty := &candidates{start: make([]int32, T+1)}
	extra := make(map[int][]candidate)
	for ti := range T {
		ai := assignedOf[ti]
		if ai < 0 || in.tasks[ti].pinned != -1 {
			continue
		}
		a := &plan.Assignments[ai]
		wi := in.workerByID[a.Worker]
		v := in.check(ti, int(wi), allRules, true)
		if !v.ok() {
			return nil, refute(CheckEligibility, "task %s on worker %s: %s", a.Task, a.Worker, in.brokenRules(ti, int(wi), v))
		}
		extra[ti] = []candidate{{wi, v.distKm}}
	}
	net := in.network(empty, extra)
	taskArc := make([]int32, T)
	for i := range taskArc {
		taskArc[i] = -1
	}
	for a, ti := range net.d.ArcTask {
		taskArc[ti] = int32(a)
	}
	res := &solver.DispatchResult{TaskArc: make([]int32, T), WorkerLoad: make([]int64, W),
		Objective: plan.ObjectiveUnits, DualBound: plan.DualBound, Potential: plan.Potentials}
	cands := &candidates{start: make([]int32, 1, T+1)}
	for ti := range T {
		res.TaskArc[ti] = -1
		id := b.Tasks[ti].ID
		if ai := assignedOf[ti]; ai >= 0 {
			a := &plan.Assignments[ai]
			arc := taskArc[ti]
			switch {
			case arc < 0 && in.tasks[ti].pinned != -1:
				return nil, refute(CheckPrimal, "task %s is assigned to %s, but %s", id, a.Worker, net.pinnedFail[ti])
			case net.d.ArcWorker[arc] != in.workerByID[a.Worker]:
				return nil, refute(CheckPrimal, "task %s is pinned to worker %s but assigned to %s",
					id, b.Workers[net.d.ArcWorker[arc]].ID, a.Worker)
			}
			res.TaskArc[ti] = arc
			res.WorkerLoad[net.d.ArcWorker[arc]]++
			cands.list = append(cands.list, candidate{net.d.ArcWorker[arc], net.distKm[arc]})
		} else if net.d.Unassigned[ti] == solver.NoLeave {
			return nil, refute(CheckPrimal, "task %s is left out, but it is pinned to worker %s, which can take it",
				id, b.Workers[net.d.ArcWorker[taskArc[ti]]].ID)
		}
		cands.start = append(cands.start, int32(len(cands.list)))
	}
	for wi := range W {
		if res.WorkerLoad[wi] > int64(in.workers[wi].remaining) {
			return nil, refute(CheckPrimal, "worker %s gets %d tasks; it has %d units of capacity left",
				b.Workers[wi].ID, res.WorkerLoad[wi], in.workers[wi].remaining)
		}
	}
	if err := in.certifyCosts(plan, net, res, assignedOf, leftOut); err != nil {
		return nil, err
	}
	if err := in.certifyDuals(net, res); err != nil {
		return nil, err
	}
	bound, err := solver.VerifyDispatch(&net.d, res)
	if err != nil {
		// The named checks above cover every condition VerifyDispatch
		// tests; this is the second opinion on the same network.
		return nil, refute(CheckDualBound, "%v", err)
	}
	if bound != plan.ObjectiveUnits {
		return nil, refute(CheckDualBound, "the potentials bound the cost by %d units, the plan's objective is %d", bound, plan.ObjectiveUnits)
	}
	return &certified{net: net, res: res, cands: cands}, nil
}

// certifyCosts recomputes every assignment's distance and cost breakdown
// (balance units attributed in task order, as Plan does), every left-out
// task's penalty, the workers' usage and the objective.
func (in *instance) certifyCosts(plan *paidan.Plan, net *network, res *solver.DispatchResult, assignedOf, leftOut []int32) error {
	b := in.batch
	refute := func(format string, args ...any) error {
		return &Refutation{Check: CheckCosts, Detail: fmt.Sprintf(format, args...)}
	}
	used := make([]int, len(b.Workers))
	var total int64
	for ti := range b.Tasks {
		id := b.Tasks[ti].ID
		if ai := assignedOf[ti]; ai >= 0 {
			a := &plan.Assignments[ai]
			arc := res.TaskArc[ti]
			wi := net.d.ArcWorker[arc]
			used[wi]++
			dist := net.distKm[arc]
			travel := in.cost.travel(dist)
			bal, _ := in.workers[wi].tiers.unit(used[wi])
			stab := net.d.ArcCost[arc] - travel
			total += net.d.ArcCost[arc] + bal
			for _, f := range []struct {
				name        string
				stored, got int64
			}{{"travel", a.Cost.TravelUnits, travel}, {"balance", a.Cost.BalanceUnits, bal}, {"stability", a.Cost.StabilityUnits, stab}} {
				if f.stored != f.got {
					return refute("task %s on worker %s: stored %s cost %d units, the input gives %d", id, a.Worker, f.name, f.stored, f.got)
				}
			}
			if math.Float64bits(a.DistanceKm) != math.Float64bits(dist) {
				return refute("task %s on worker %s: stored distance %v km, the input gives %v km", id, a.Worker, a.DistanceKm, dist)
			}
			pinned := slices.Contains(net.d.Pinned, arc)
			if a.Pinned != pinned {
				return refute("task %s on worker %s: stored pinned %v, the input says %v", id, a.Worker, a.Pinned, pinned)
			}
			continue
		}
		u := &plan.Unassigned[leftOut[ti]]
		total += in.tasks[ti].penalty
		if u.PenaltyUnits != in.tasks[ti].penalty {
			return refute("left-out task %s: stored penalty %d units, the input gives %d", id, u.PenaltyUnits, in.tasks[ti].penalty)
		}
	}
	if len(plan.Workers) == len(b.Workers) {
		for wi := range plan.Workers {
			if u := &plan.Workers[wi]; u.Worker != b.Workers[wi].ID || u.Assigned != used[wi] {
				return refute("worker usage row %d: stored %s with %d tasks, the assignments give %s with %d",
					wi+1, u.Worker, u.Assigned, b.Workers[wi].ID, used[wi])
			}
		}
	}
	if total != plan.ObjectiveUnits {
		return &Refutation{Check: CheckObjective, Detail: fmt.Sprintf(
			"the plan's objective is %d units; its assignments and left-out tasks cost %d under the input", plan.ObjectiveUnits, total)}
	}
	if plan.DualBound != plan.ObjectiveUnits {
		return &Refutation{Check: CheckDualBound, Detail: fmt.Sprintf(
			"the plan's dual bound %d differs from its objective %d", plan.DualBound, plan.ObjectiveUnits)}
	}
	return nil
}

// certifyDuals checks the sign of every arc's reduced cost on the network
// of the plan's pairs against its flow, naming the task or worker.
func (in *instance) certifyDuals(net *network, res *solver.DispatchResult) error {
	b := in.batch
	d := &net.d
	T := d.Tasks
	sink := T + d.Workers
	pi := res.Potential
	rc := func(cost int64, tail, head int) (int64, bool) {
		r, ok := subChecked(cost, pi[tail])
		if ok {
			r, ok = addChecked(r, pi[head])
		}
		return r, ok
	}
	overflow := func(what string) error {
		return &Refutation{Check: CheckPotentials, Detail: what + ": reduced cost overflows int64"}
	}
	for ti := range T {
		id := b.Tasks[ti].ID
		if a := res.TaskArc[ti]; a >= 0 {
			w := b.Workers[d.ArcWorker[a]].ID
			r, ok := rc(d.ArcCost[a], ti, T+int(d.ArcWorker[a]))
			switch {
			case !ok:
				return overflow(fmt.Sprintf("task %s on worker %s", id, w))
			case r > 0 && !slices.Contains(d.Pinned, a):
				return &Refutation{Check: CheckSlackness, Detail: fmt.Sprintf(
					"task %s on worker %s: reduced cost %d > 0 (cost %d − potential %d of the task + %d of the worker), yet the plan uses the pair",
					id, w, r, d.ArcCost[a], pi[ti], pi[T+int(d.ArcWorker[a])])}
			}
		}
		if d.Unassigned[ti] == solver.NoLeave {
			continue
		}
		r, ok := rc(d.Unassigned[ti], ti, sink)
		switch {
		case !ok:
			return overflow("leaving task " + string(id) + " out")
		case res.TaskArc[ti] >= 0 && r < 0:
			return &Refutation{Check: CheckDual, Detail: fmt.Sprintf(
				"leaving task %s out has reduced cost %d < 0 (penalty %d − potential %d of the task + %d of the sink), yet the plan assigns it",
				id, r, d.Unassigned[ti], pi[ti], pi[sink])}
		case res.TaskArc[ti] < 0 && r > 0:
			return &Refutation{Check: CheckSlackness, Detail: fmt.Sprintf(
				"task %s is left out, yet leaving it out has reduced cost %d > 0 (penalty %d − potential %d of the task + %d of the sink)",
				id, r, d.Unassigned[ti], pi[ti], pi[sink])}
		}
	}
	for wi, tiers := range d.Tiers {
		load := res.WorkerLoad[wi]
		for k, tr := range tiers {
			used := min(load, tr.Units)
			load -= used
			r, ok := rc(tr.Cost, T+wi, sink)
			switch {
			case !ok:
				return overflow(fmt.Sprintf("worker %s tier %d", b.Workers[wi].ID, k+1))
			case r < 0 && used < tr.Units:
				return &Refutation{Check: CheckDual, Detail: fmt.Sprintf(
					"worker %s: load tier %d (cost %d per task) has reduced cost %d < 0 with %d of its %d units unused",
					b.Workers[wi].ID, k+1, tr.Cost, r, tr.Units-used, tr.Units)}
			case r > 0 && used > 0:
				return &Refutation{Check: CheckSlackness, Detail: fmt.Sprintf(
					"worker %s: load tier %d (cost %d per task) has reduced cost %d > 0, yet %d of its units are used",
					b.Workers[wi].ID, k+1, tr.Cost, r, used)}
			}
		}
	}
	return nil
}

// certifyPricing prices every eligible pair off the plan, of a worker with
// capacity, against the plan's potentials: none may have a negative
// reduced cost. It runs Plan's pricing search (pricing.priceRange over the
// k-d trees, with their potential floors): only the pairs that could
// price out are visited.
func (in *instance) certifyPricing(ctx context.Context, c *certified, plan *paidan.Plan, parallel int, priced *int64) error {
	p := newPricing(in, c.cands, map[int][]candidate{}, plan.Potentials, 1)
	n := len(in.tasks)
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = max(min(parallel, n/1024), 1)
	found := make([][]pricedTask, parallel)
	counts := make([]int64, parallel)
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for part := range parallel {
		lo, hi := n*part/parallel, n*(part+1)/parallel
		wg.Go(func() { found[part], counts[part], errs[part] = p.priceRange(ctx, lo, hi) })
	}
	wg.Wait()
	for _, k := range counts {
		*priced += k
	}
	if err := firstError(errs); err != nil {
		return fmt.Errorf("certify: %w", err)
	}
	T := len(in.tasks)
	pi := plan.Potentials
	for _, part := range found {
		for _, pt := range part {
			ti, cd := pt.task, pt.arcs[0]
			cost := in.arcUnits(ti, int(cd.worker), cd.distKm)
			return &Refutation{Check: CheckPricing, Detail: fmt.Sprintf(
				"task %s and worker %s, an eligible pair the plan does not use, have reduced cost %d < 0 "+
					"(cost %d − potential %d of the task + %d of the worker): the plan is not optimal over every eligible pair",
				in.batch.Tasks[ti].ID, in.batch.Workers[cd.worker].ID, cost-pi[ti]+pi[T+int(cd.worker)], cost, pi[ti], pi[T+int(cd.worker)])}
		}
	}
	return nil
}

// nodeName names node v of the network: a task, a worker or the sink.
func (in *instance) nodeName(v int) string {
	T := len(in.tasks)
	switch {
	case v < T:
		return "task " + string(in.batch.Tasks[v].ID)
	case v < T+len(in.workers):
		return "worker " + string(in.batch.Workers[v-T].ID)
	}
	return "the sink"
}

// addChecked returns a+b and whether it did not overflow.
func addChecked(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// subChecked returns a−b and whether it did not overflow.
func subChecked(a, b int64) (int64, bool) {
	if b == math.MinInt64 {
		return 0, false
	}
	return addChecked(a, -b)
}
