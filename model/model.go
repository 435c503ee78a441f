package model

import (
	"context"
	"fmt"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// Options tunes Plan. The zero value works.
type Options struct {
	// RunID names the plan. Empty means derive one from the input and rules
	// hashes, so the same batch under the same rules gets the same RunID.
	RunID string

	// Parallel is how many goroutines prune candidates and classify
	// unassigned tasks. Zero means GOMAXPROCS. The plan does not depend on
	// it.
	Parallel int

	// Progress, when set, is called from the calling goroutine as each stage
	// starts, with the stage's name (see Stats). Nil means no calls.
	Progress func(stage string)

	// RoundNetwork, when set, is called with each round's network (1-based
	// round number) before it is solved, outside the stage timers, so that
	// another solver can be run on exactly what Plan solved. The network
	// must not be modified; an error stops the plan. Nil means no calls.
	RoundNetwork func(round int, d *solver.Dispatch) error

	// RoundDone, when set, is called from the calling goroutine after each
	// pricing round, with what it solved and what its pricing added, so
	// that a long plan can be followed; the rounds of the sample's plan
	// (see SampleMinTasks) come first. Nil means no calls.
	RoundDone func(RoundReport)

	// SampleMinTasks is the smallest batch whose first network is seeded
	// with the worker prices of a sample's plan (see Plan). Zero means
	// DefaultSampleMinTasks; a negative value never samples. The plan's
	// optimum does not depend on it, only the time.
	SampleMinTasks int
}

// DefaultSampleMinTasks is Options.SampleMinTasks's default. Measured on
// the batches of `paidan gen dispatch` (README, "Seeding from a sample"):
// the whole plan's CPU time falls from 0.88 s to 0.81 s at 10,000 tasks
// (one run each, load 3) and from 30.1 s to 19.3 s at 100,000. Below
// 8,000 tasks a plan takes well under a second either way.
const DefaultSampleMinTasks = 8000

// RoundReport is one pricing round, as Options.RoundDone receives it.
type RoundReport struct {
	// Sample is 0 for a round of the batch's own plan, 1 for a round of
	// its sample's, 2 for the sample's sample, and so on.
	Sample    int
	Tasks     int           // tasks of the batch (or sample) planned
	Round     int           // 1-based
	Arcs      int           // candidate arcs of the network solved
	Objective int64         // the round's optimum on that network, in units
	Solve     time.Duration // its solve (wall time)
	Price     time.Duration // its pricing (wall time)
	Priced    int64         // pairs whose reduced cost pricing computed
	Added     int           // arcs pricing added for the next round; 0 ends the loop
}

// Stats reports what Plan did and how long each stage took. Durations are
// wall time.
type Stats struct {
	// The sample's plan and the seeding (see Plan) count in these stages
	// too: its pruning in Prune, its solves in Solve, its pricing and the
	// seeding in Price, and so on.
	Prune    time.Duration // eligibility checks, candidate search and spill
	Build    time.Duration // costs and the solver network
	Solve    time.Duration // solver.SolveDispatch, all rounds
	Verify   time.Duration // solver.VerifyDispatch, all rounds
	Price    time.Duration // pricing the pairs off the network, all rounds
	Classify time.Duration // reasons of unassigned tasks
	Finish   time.Duration // cost breakdown, KPIs and hashes

	// RoundSolve is the solve time of each of the batch's rounds, in
	// order. Solve also counts the solves of the sample's plan, when
	// there is one, so it can be more than their sum.
	RoundSolve []time.Duration

	Candidates int // candidate arcs of the final network
	// Rounds is the number of solves. More than one means that pricing
	// found eligible pairs off the candidate network that could lower the
	// cost; Plan added them and solved again (see paidan.PricingStats).
	Rounds int
}

// Stage names passed to Options.Progress.
const (
	StagePrune    = "prune"
	StageSample   = "sample" // the sample's plan and the seeding; timed in the other stages
	StageBuild    = "build"
	StageSolve    = "solve"
	StageVerify   = "verify"
	StagePrice    = "price"
	StageClassify = "classify"
	StageFinish   = "finish"
)

// Plan assigns the batch's tasks to its workers at minimum total cost under
// rules, and returns the plan with its cost breakdown, unassigned reasons,
// KPIs and the verified optimality certificate.
//
// The stages are: eligibility and candidate pruning (each task keeps its
// rules.CandidatesPerTask nearest eligible workers, found through a k-d tree,
// plus its previous worker when eligible, plus a few workers with room for
// the tasks a greedy pass cannot place); the solver network (integer costs
// in units of rules.Resolution); solver.SolveDispatch; solver.VerifyDispatch;
// pricing; and the plan. Pricing (column generation, see price) checks the
// solve's dual potentials against every eligible task-worker pair off the
// network; pairs of negative reduced cost are added and the network solved
// again, until none is left. A batch of at least Options.SampleMinTasks
// tasks first plans a quarter of itself (every fourth task, a quarter of
// each worker's capacity) the same way, and the first network also gets
// the pairs that price out against the sample's worker prices (see seed),
// so that it starts close to the final one. The verified certificate then
// holds for the network of all eligible pairs: the plan is optimal over every eligible
// pair, whatever CandidatesPerTask, which only sets where the search starts
// (and so the number of rounds and the time). Plan.Pricing records the
// rounds. Unassigned tasks are classified against every worker of the
// batch.
//
// The plan is a deterministic function of the batch and rules: assignments
// and unassigned tasks are in task order, and every tie is broken by batch
// order. Only Plan.Solver.Duration (and the Stats) vary between runs.
//
// Errors: the rules' Validate error; a *paidan.InputError for a batch the
// model cannot compute with (non-finite or out-of-range coordinates,
// duplicate ids, negative capacity, load or priority); solver.ErrOverflow
// when a cost in units exceeds 2^53 or the total could exceed int64; the
// context's error; and an error wrapping paidan.ErrCertificate when the
// solution fails its certificate, in which case no plan is returned.
// Plan does not modify b; it is safe to call concurrently.
func Plan(ctx context.Context, b *paidan.Batch, rules paidan.Rules, opt Options) (*paidan.Plan, Stats, error) {
	var st Stats
	if err := rules.Validate(); err != nil {
		return nil, st, fmt.Errorf("plan: rules: %w", err)
	}
	stage := stageTimer(opt.Progress)

	done := stage(StagePrune, &st.Prune)
	in, err := newInstance(b, rules)
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	cands, extra, err := in.firstCandidates(ctx, opt.Parallel)
	done()
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}

	seeded, err := in.seed(ctx, cands, extra, opt, &st)
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	net, res, solverSt, pricingSt, err := in.rounds(ctx, cands, extra, opt, 0, seeded.WorkerPrice, &st, stage)
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	pricingSt.SampleTasks, pricingSt.SeededArcs = seeded.SampleTasks, seeded.SeededArcs
	pricingSt.PricedPairs += seeded.PricedPairs

	done = stage(StageClassify, &st.Classify)
	taskWorker, load := assignedWorkers(&net.d, res)
	outcomes, cheaper, err := in.classifyAll(ctx, net, taskWorker, load, opt.Parallel)
	done()
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	if cheaper > 0 {
		// A worker with room that would take an unassigned task for less
		// than its penalty is an arc of negative reduced cost, which
		// pricing has proved absent.
		return nil, st, fmt.Errorf("plan: %w: %d unassigned tasks have a cheaper eligible worker", paidan.ErrCertificate, cheaper)
	}
	st.Candidates = len(net.d.ArcTask)

	done = stage(StageFinish, &st.Finish)
	p, err := in.plan(net, res, outcomes)
	done()
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	p.Solver = solverSt
	p.Pricing = pricingSt
	p.RunID = opt.RunID
	if p.RunID == "" {
		p.RunID = deriveRunID(p.InputHash, p.RulesHash)
	}
	return p, st, nil
}

// firstCandidates returns the first network's candidates: each task's
// nearest eligible workers (prune) and the extra ones of spill.
func (in *instance) firstCandidates(ctx context.Context, parallel int) (*candidates, map[int][]candidate, error) {
	cands, err := in.prune(ctx, parallel)
	if err != nil {
		return nil, nil, err
	}
	extra, err := in.spill(ctx, cands)
	return cands, extra, err
}

// stageTimer returns the function that times a stage: called with the
// stage's name and its duration as it starts, it tells progress (when not
// nil) and returns the function that adds the time since to the duration.
func stageTimer(progress func(string)) func(string, *time.Duration) func() {
	return func(name string, d *time.Duration) func() {
		if progress != nil {
			progress(name)
		}
		start := time.Now()
		return func() { *d += time.Since(start) }
	}
}

// rounds solves the network of cands and extra, prices the pairs off it,
// adds those of negative reduced cost to extra and solves again, until
// none is left; it returns the last network and its optimum, which is then
// optimal over every eligible pair. With settled > 0 it stops earlier, once
// a round's pricing adds fewer than 1/settled of its network's arcs (a
// sample's plan, see sampleSettled); the optimum returned is then the last
// network's only. The first solve starts at the worker prices price when
// not nil (seed's). Stage times go to st through stage.
func (in *instance) rounds(ctx context.Context, cands *candidates, extra map[int][]candidate, opt Options, settled int, price []int64, st *Stats,
	stage func(string, *time.Duration) func()) (net *network, res *solver.DispatchResult,
	solverSt paidan.SolverStats, pricingSt paidan.PricingStats, err error) {
	var (
		done       func()
		taskWorker []int32    // per task of res: its worker, -1 when unassigned
		memo       *priceMemo // what the last pricing round left for the next
	)
	for {
		done = stage(StageBuild, &st.Build)
		net = in.network(cands, extra)
		done()

		if opt.RoundNetwork != nil {
			if err := opt.RoundNetwork(st.Rounds+1, &net.d); err != nil {
				return nil, nil, solverSt, pricingSt, fmt.Errorf("round %d network: %w", st.Rounds+1, err)
			}
		}

		before := st.Solve
		done = stage(StageSolve, &st.Solve)
		// Rounds after the first start from the previous optimum: only the
		// tasks that the added arcs would move are searched for again.
		if res == nil {
			res, err = solver.SolveDispatchPriced(ctx, &net.d, price)
		} else {
			start := &solver.DispatchStart{TaskWorker: taskWorker, Potential: res.Potential, Basis: res.Basis}
			res, err = solver.SolveDispatchFrom(ctx, &net.d, start)
		}
		done()
		if err != nil {
			return nil, nil, solverSt, pricingSt, err
		}
		st.Rounds++
		st.RoundSolve = append(st.RoundSolve, st.Solve-before)
		taskWorker, _ = assignedWorkers(&net.d, res)
		solverSt.Algorithm = res.Stats.Algorithm
		solverSt.Nodes, solverSt.Arcs = res.Stats.Nodes, res.Stats.Arcs
		solverSt.Iterations += res.Stats.Iterations
		solverSt.Duration += res.Stats.Duration

		done = stage(StageVerify, &st.Verify)
		_, err = solver.VerifyDispatch(&net.d, res)
		done()
		if err != nil {
			return nil, nil, solverSt, pricingSt, fmt.Errorf("%w: %w", paidan.ErrCertificate, err)
		}

		priceBefore := st.Price
		done = stage(StagePrice, &st.Price)
		var (
			added  map[int][]candidate
			priced int64
		)
		added, memo, priced, err = in.price(ctx, cands, extra, res, memo, pricedArcsPerTask, opt.Parallel)
		done()
		if err != nil {
			return nil, nil, solverSt, pricingSt, err
		}
		pricingSt.PricedPairs += priced
		nAdded := 0
		for ti, arcs := range added {
			extra[ti] = append(extra[ti], arcs...)
			nAdded += len(arcs)
		}
		pricingSt.AddedArcs += nAdded
		if opt.RoundDone != nil {
			opt.RoundDone(RoundReport{Tasks: len(in.tasks), Round: st.Rounds, Arcs: len(net.d.ArcTask), Objective: res.Objective,
				Solve: st.RoundSolve[st.Rounds-1], Price: st.Price - priceBefore, Priced: priced, Added: nAdded})
		}
		if nAdded == 0 || (settled > 0 && nAdded*settled < len(net.d.ArcTask)) {
			break
		}
	}
	pricingSt.Rounds = st.Rounds
	res.Basis = nil // no round follows: free the simplex it keeps
	return net, res, solverSt, pricingSt, nil
}

// assignedWorkers returns each task's worker (-1 when unassigned) and each
// worker's number of tasks in a solution.
func assignedWorkers(d *solver.Dispatch, res *solver.DispatchResult) ([]int32, []int) {
	tw := make([]int32, d.Tasks)
	load := make([]int, d.Workers)
	for t, a := range res.TaskArc {
		tw[t] = -1
		if a >= 0 {
			tw[t] = d.ArcWorker[a]
			load[tw[t]]++
		}
	}
	return tw, load
}

// plan reads a verified solution back into a paidan.Plan: assignments with
// their cost breakdown, unassigned tasks with their reasons, worker usage,
// KPIs and hashes.
func (in *instance) plan(net *network, res *solver.DispatchResult, outcomes map[int]outcome) (*paidan.Plan, error) {
	b := in.batch
	p := &paidan.Plan{
		Partition:      b.Partition,
		AsOf:           b.AsOf,
		ObjectiveUnits: res.Objective,
		Objective:      in.cost.value(res.Objective),
		DualBound:      res.DualBound,
		Resolution:     in.rules.Resolution,
		Certificate:    paidan.CertificateVerified,
		Potentials:     res.Potential,
		Workers:        make([]paidan.WorkerUsage, len(b.Workers)),
		RulesHash:      RulesHash(in.rules),
		InputHash:      InputHash(b),
	}
	pinned := make(map[int32]bool, len(net.d.Pinned))
	for _, a := range net.d.Pinned {
		pinned[a] = true
	}
	used := make([]int, len(b.Workers))
	var total int64
	for ti := range b.Tasks {
		t := &b.Tasks[ti]
		a := res.TaskArc[ti]
		if a < 0 {
			o, ok := outcomes[ti]
			if !ok {
				return nil, fmt.Errorf("%w: task %s is unassigned without a reason", paidan.ErrCertificate, t.ID)
			}
			total += in.tasks[ti].penalty
			p.Unassigned = append(p.Unassigned, paidan.Unassigned{
				Task: t.ID, Region: t.Region, Priority: t.Priority,
				Reason: o.reason, Detail: o.detail,
				Penalty:      in.cost.value(in.tasks[ti].penalty),
				PenaltyUnits: in.tasks[ti].penalty,
			})
			continue
		}
		w := int(net.d.ArcWorker[a])
		used[w]++
		dist := net.distKm[a]
		travel := in.cost.travel(dist)
		bal, _ := in.workers[w].tiers.unit(used[w])
		total += net.d.ArcCost[a] + bal
		p.Assignments = append(p.Assignments, paidan.Assignment{
			Task: t.ID, Worker: b.Workers[w].ID, Region: t.Region, Priority: t.Priority,
			DistanceKm: dist,
			Cost:       in.cost.breakdown(travel, bal, net.d.ArcCost[a]-travel),
			Pinned:     pinned[a],
		})
	}
	if total != res.Objective {
		return nil, fmt.Errorf("%w: the solver's objective %d differs from the plan's cost %d", paidan.ErrCertificate, res.Objective, total)
	}
	for w := range b.Workers {
		wk := &b.Workers[w]
		u := paidan.WorkerUsage{Worker: wk.ID, Capacity: wk.Capacity, Load: wk.Load, Assigned: used[w]}
		if len(wk.Regions) > 0 {
			u.Region, u.Regions = wk.Regions[0], wk.Regions
		}
		p.Workers[w] = u
	}
	p.KPIs = KPIs(p)
	return p, nil
}
