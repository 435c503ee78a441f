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
}

// Stats reports what Plan did and how long each stage took. Durations are
// wall time.
type Stats struct {
	Prune    time.Duration // eligibility checks, candidate search and spill
	Build    time.Duration // costs and the solver network
	Solve    time.Duration // solver.SolveDispatch, all rounds
	Verify   time.Duration // solver.VerifyDispatch, all rounds
	Classify time.Duration // reasons of unassigned tasks, all rounds
	Finish   time.Duration // cost breakdown, KPIs and hashes

	Candidates int // candidate arcs of the final network
	// Rounds is the number of solves. More than one means that a pruned
	// network hid a worker with capacity left that was cheaper than leaving
	// some task unassigned; Plan added those workers and solved again.
	Rounds int
}

// Stage names passed to Options.Progress.
const (
	StagePrune    = "prune"
	StageBuild    = "build"
	StageSolve    = "solve"
	StageVerify   = "verify"
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
// and the plan. Unassigned tasks are then classified against every worker
// of the batch, not only the candidates; should that find a worker with
// capacity left that costs less than the task's penalty, the worker is added
// as a candidate and the network solved again, so that no task is left out
// while a worker with room would take it for less than its penalty. The plan
// is optimal over the candidates kept; with CandidatesPerTask at least the
// number of workers it is optimal outright.
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
	stage := func(name string, d *time.Duration) func() {
		if opt.Progress != nil {
			opt.Progress(name)
		}
		start := time.Now()
		return func() { *d += time.Since(start) }
	}

	done := stage(StagePrune, &st.Prune)
	in, err := newInstance(b, rules)
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	cands, err := in.prune(ctx, opt.Parallel)
	var extra map[int][]candidate
	if err == nil {
		extra, err = in.spill(ctx, cands)
	}
	done()
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}

	statics := map[int]staticReason{}
	var (
		net      *network
		res      *solver.DispatchResult
		outcomes map[int]outcome
		solverSt paidan.SolverStats
	)
	for {
		done = stage(StageBuild, &st.Build)
		net = in.network(cands, extra)
		done()

		done = stage(StageSolve, &st.Solve)
		res, err = solver.SolveDispatch(ctx, &net.d)
		done()
		if err != nil {
			return nil, st, fmt.Errorf("plan: %w", err)
		}
		st.Rounds++
		solverSt.Algorithm = res.Stats.Algorithm
		solverSt.Nodes, solverSt.Arcs = res.Stats.Nodes, res.Stats.Arcs
		solverSt.Iterations += res.Stats.Iterations
		solverSt.Duration += res.Stats.Duration

		done = stage(StageVerify, &st.Verify)
		_, err = solver.VerifyDispatch(&net.d, res)
		done()
		if err != nil {
			return nil, st, fmt.Errorf("plan: %w: %w", paidan.ErrCertificate, err)
		}

		done = stage(StageClassify, &st.Classify)
		taskWorker, load := assignedWorkers(&net.d, res)
		var repairs map[int][]offer
		outcomes, repairs, err = in.classifyAll(ctx, net, taskWorker, load, statics, opt.Parallel)
		done()
		if err != nil {
			return nil, st, fmt.Errorf("plan: %w", err)
		}
		if added := addOffers(cands, extra, repairs); added == 0 {
			if len(repairs) > 0 {
				// A cheaper worker already on the network yet unused
				// contradicts the verified optimum.
				return nil, st, fmt.Errorf("plan: %w: %d unassigned tasks have a cheaper candidate", paidan.ErrCertificate, len(repairs))
			}
			break
		}
	}
	st.Candidates = len(net.d.ArcTask)

	done = stage(StageFinish, &st.Finish)
	p, err := in.plan(net, res, outcomes)
	done()
	if err != nil {
		return nil, st, fmt.Errorf("plan: %w", err)
	}
	p.Solver = solverSt
	p.RunID = opt.RunID
	if p.RunID == "" {
		p.RunID = deriveRunID(p.InputHash, p.RulesHash)
	}
	return p, st, nil
}

// addOffers adds the workers of the repair offers to extra as candidates of
// their tasks, unless they are candidates already, and returns how many it
// added.
func addOffers(cands *candidates, extra map[int][]candidate, repairs map[int][]offer) int {
	added := 0
	for ti, offers := range repairs {
		for _, o := range offers {
			if !hasArc(cands, extra, ti, o.worker) {
				extra[ti] = append(extra[ti], candidate{o.worker, o.distKm})
				added++
			}
		}
	}
	return added
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
				Penalty: in.cost.value(in.tasks[ti].penalty),
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
			Cost: paidan.Cost{
				Travel:    in.cost.value(travel),
				Balance:   in.cost.value(bal),
				Stability: in.cost.value(net.d.ArcCost[a] - travel),
			},
			Pinned: pinned[a],
		})
	}
	if total != res.Objective {
		return nil, fmt.Errorf("%w: the solver's objective %d differs from the plan's cost %d", paidan.ErrCertificate, res.Objective, total)
	}
	for w := range b.Workers {
		wk := &b.Workers[w]
		u := paidan.WorkerUsage{Worker: wk.ID, Capacity: wk.Capacity, Load: wk.Load, Assigned: used[w]}
		if len(wk.Regions) > 0 {
			u.Region = wk.Regions[0]
		}
		p.Workers[w] = u
	}
	p.KPIs = KPIs(p)
	return p, nil
}
