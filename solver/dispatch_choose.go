package solver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// simplexMinTasks is the least number of movable tasks for which
// SolveDispatch considers the simplex: below it both algorithms take
// milliseconds, and the searches' potentials (shortest path distances,
// which give the smallest reduced costs that paidan explain reports) are
// kept.
const simplexMinTasks = 1000

// sspCheapUnits is the least ratio of cheapest-tier capacity units to
// movable tasks at which SolveDispatch runs successive shortest paths
// rather than the network simplex (see suitsSimplex).
const sspCheapUnits = 1.2

// suitsSimplex reports whether the network simplex should solve d rather
// than the successive shortest paths: when there are at least
// simplexMinTasks movable tasks and the units of each worker's cheapest
// tier add up to less than sspCheapUnits times them, unless capacity as a
// whole is short and every task may stay out (then the capacity-side
// search, runScarce, is fast).
//
// Why: the searches place a task where a unit is free at the cheapest
// marginal cost. With such units to spare (the uniform shapes of
// scripts/bench-dispatch: 1.25 per task) almost every task is placed by
// one bid or a short search, and the solve takes 0.1–0.4 times LEMON
// NetworkSimplex's time. When they run short (capacity equal to demand,
// 1.0 per task; the balance tiers of a plan, 0.5 per task at 50 %
// utilisation), augmenting paths cross a region to the last cheap units:
// 1.9 times LEMON's time at equal capacity, 4–6 times on plan networks,
// where the network simplex, which has no such paths to walk, runs at
// 0.55–0.75 times LEMON's CPU time from the crash tree (README, "Networks
// of the shape package model builds", "The crash start").
func (d *Dispatch) suitsSimplex() bool {
	pinned := make(map[int32]bool, len(d.Pinned))
	for _, a := range d.Pinned {
		pinned[d.ArcTask[a]] = true
	}
	movable := int64(d.Tasks - len(pinned))
	if movable < simplexMinTasks {
		return false
	}
	allLeave := true
	for t, u := range d.Unassigned {
		if u == NoLeave && !pinned[int32(t)] {
			allLeave = false
			break
		}
	}
	limit := int64(d.Tasks) + 1 // sums stay below 2·limit·workers
	var units, cheap int64
	for _, tiers := range d.Tiers {
		var all, low int64
		for _, tr := range tiers {
			all = min(all+tr.Units, limit)
			if tr.Cost == tiers[0].Cost {
				low = min(low+tr.Units, limit)
			}
		}
		units += all
		cheap += low
	}
	if allLeave && units-int64(len(pinned)) < movable {
		return false
	}
	return float64(cheap) < sspCheapUnits*float64(movable)
}

// solveDispatchSimplex solves d as the general network d.Network() with
// the network simplex, started from a greedy dispatch (see crashSimplex;
// at the worker prices price when not nil, see SolveDispatchPriced),
// and reads the result back, with its optimal tree in Basis. It returns errNoSimplex when the simplex refuses d (costs too
// large for its bounds) or finds it infeasible, so that the caller can run
// the searches, whose errors name the task and workers concerned.
func solveDispatchSimplex(ctx context.Context, d *Dispatch, price []int64) (*DispatchResult, error) {
	start := time.Now()
	lay := newDispatchLayout(d)
	n := d.simplexNetwork(lay)
	s, _, err := d.crashSimplex(ctx, lay, n, price)
	if err != nil {
		return nil, err
	}
	return dispatchSimplexResult(ctx, d, lay, s, start)
}

// solveDispatchSimplexFrom is solveDispatchSimplex started from a
// previous solve (start.Basis) over the same tasks, workers and tiers: on
// the simplex the basis keeps, when d only adds candidate arcs to that
// solve's dispatch and start is its flow (see solveDispatchLive); else
// from the basis's optimal tree, with start.TaskWorker's flow on the arcs
// off the tree. Either way only the arcs added since, or whose costs
// changed, make it pivot. It returns errNoSimplex as solveDispatchSimplex
// does, and also when the tree does not fit d (see simplex.setTree); the
// caller then solves cold.
func solveDispatchSimplexFrom(ctx context.Context, d *Dispatch, start *DispatchStart) (*DispatchResult, error) {
	lay := newDispatchLayout(d)
	if r, err := solveDispatchLive(ctx, d, lay, start); !errors.Is(err, errNoSimplex) {
		return r, err
	}
	return solveDispatchTreeFrom(ctx, d, lay, d.simplexNetwork(lay), start)
}

// solveDispatchTreeFrom is solveDispatchSimplexFrom from start.Basis's
// tree, n being d.simplexNetwork(lay).
func solveDispatchTreeFrom(ctx context.Context, d *Dispatch, lay *dispatchLayout, n *Network, start *DispatchStart) (*DispatchResult, error) {
	t0 := time.Now()
	b := start.Basis
	if len(b.tierFlow) != lay.tiers || len(b.parent) != n.Nodes() || !slices.Equal(b.tierStart, lay.tierStart) {
		return nil, errNoSimplex
	}
	tree, ok := b.treeOn(d, lay)
	if !ok {
		return nil, errNoSimplex
	}
	// Candidate and leave arcs (capacity 2 in n) are never full: a task's
	// unit runs on its tree arc, so only tiers can start at the upper bound.
	upper := func(a int) bool {
		i := a - lay.cands
		return i >= 0 && i < lay.tiers && b.tierFlow[i] == n.Upper[a]
	}
	s, err := newSimplexFor(ctx, n)
	if err != nil {
		return nil, err
	}
	if !s.setTree(n, tree, upper) {
		return nil, errNoSimplex
	}
	s.blockSize = dispatchBlockSize(s.arcs)
	return dispatchSimplexResult(ctx, d, lay, s, t0)
}

// newSimplexFor validates n and builds its simplex, mapping a refusal to
// errNoSimplex.
func newSimplexFor(ctx context.Context, n *Network) (*simplex, error) {
	if err := n.Validate(); err != nil {
		return nil, errNoSimplex
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("min-cost flow: %w", err)
	}
	// Room for the arcs a kept simplex may take on (liveMaxGrowth), so
	// that the next round grows it in place: memory not yet touched costs
	// nothing until then, where copying the arrays to new ones made the
	// page faults of a fresh heap (README, solver notes).
	s, err := newSimplex(n, n.Arcs()/liveMaxGrowth+1)
	if err != nil {
		return nil, errNoSimplex
	}
	return s, nil
}

// dispatchSimplexResult runs s on d.simplexNetwork(lay) and reads the
// optimum back as a DispatchResult with its tree, and s in its Basis for
// the next round (see solveDispatchLive).
func dispatchSimplexResult(ctx context.Context, d *Dispatch, lay *dispatchLayout, s *simplex, start time.Time) (*DispatchResult, error) {
	if err := s.run(ctx); err != nil {
		return nil, fmt.Errorf("min-cost flow: %w", err)
	}
	f, err := s.dispatchFlow(d, lay)
	if errors.Is(err, ErrOverflow) || errors.Is(err, ErrInfeasible) {
		return nil, errNoSimplex
	}
	if err != nil {
		return nil, fmt.Errorf("min-cost flow: %w", err)
	}
	T := d.Tasks
	r := &DispatchResult{
		TaskArc:    make([]int32, T),
		WorkerLoad: make([]int64, d.Workers),
		Objective:  f.Objective,
		Potential:  f.Potential,
		Stats: Stats{
			Algorithm:  "network-simplex",
			Nodes:      s.nodes,
			Arcs:       s.arcs,
			Iterations: s.pivots,
		},
	}
	for t := range r.TaskArc {
		r.TaskArc[t] = -1
	}
	for a, t := range d.ArcTask {
		if f.Flow[a] > 0 {
			r.TaskArc[t] = int32(a)
			r.WorkerLoad[d.ArcWorker[a]]++
		}
	}
	sink := len(r.Potential) - 1
	if ps := r.Potential[sink]; ps != 0 {
		for v := range r.Potential {
			r.Potential[v] -= ps
		}
	}
	bound, ok := dispatchDual(d, r)
	if !ok {
		return nil, fmt.Errorf("%w: dual bound", ErrOverflow)
	}
	r.DualBound = bound
	r.Basis = newDispatchBasis(d, lay, s.tree(), f)
	r.Basis.live.Store(newLiveSimplex(d, lay, s, r))
	r.Stats.Duration = time.Since(start)
	return r, nil
}

// dispatchFlow is s.result for d.simplexNetwork(lay), read from d rather
// than from the network: the flow on each arc of d.Network(), the
// potentials (the root's at zero) and the objective. A dispatch network has
// no cycle, so no cost is unbounded.
func (s *simplex) dispatchFlow(d *Dispatch, lay *dispatchLayout) (*Flow, error) {
	if err := s.infeasibility(); err != nil {
		return nil, err
	}
	pot := make([]int64, s.nodes)
	for v := range s.nodes {
		pot[v] = s.pi[v] - s.pi[s.root]
	}
	f := &Flow{Flow: make([]int64, len(s.perm)), Potential: pot}
	var obj acc
	for a, c := range d.ArcCost {
		f.Flow[a] = s.x[s.perm[a]].flow
		obj.addProduct(c, f.Flow[a])
	}
	for _, a := range d.Pinned { // lower bound 1, taken out of x
		f.Flow[a]++
		obj.addProduct(d.ArcCost[a], 1)
	}
	a := lay.cands
	for _, tiers := range d.Tiers {
		for _, tr := range tiers {
			f.Flow[a] = s.x[s.perm[a]].flow
			obj.addProduct(tr.Cost, f.Flow[a])
			a++
		}
	}
	for _, t := range lay.leaveTask {
		f.Flow[a] = s.x[s.perm[a]].flow
		obj.addProduct(d.Unassigned[t], f.Flow[a])
		a++
	}
	var ok bool
	if f.Objective, ok = obj.int64(); !ok {
		return nil, fmt.Errorf("%w: the optimal objective", ErrOverflow)
	}
	return f, nil
}

// errNoSimplex tells SolveDispatch to run the searches instead.
var errNoSimplex = errors.New("solver: the network simplex declined the dispatch")
