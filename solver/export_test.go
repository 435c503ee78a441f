package solver

import "context"

// SolveDispatchSSP runs the successive shortest paths whatever the
// network, so that the tests check them on every shape.
func SolveDispatchSSP(ctx context.Context, d *Dispatch) (*DispatchResult, error) {
	off, order, err := d.validate()
	if err != nil {
		return nil, err
	}
	return solveDispatchSSP(ctx, d, off, order)
}

// SuitsSimplex exposes the choice of algorithm to the tests.
func (d *Dispatch) SuitsSimplex() bool { return d.suitsSimplex() }

// SolveDispatchSimplex runs the simplex, started at the worker prices
// price when not nil (see SolveDispatchPriced), whatever the network (the
// searches when the simplex declines it), so that the tests check it on
// small instances.
func SolveDispatchSimplex(ctx context.Context, d *Dispatch, price []int64) (*DispatchResult, error) {
	off, order, err := d.validate()
	if err != nil {
		return nil, err
	}
	r, err := solveDispatchSimplex(ctx, d, price)
	if err == errNoSimplex {
		return solveDispatchSSP(ctx, d, off, order)
	}
	return r, err
}

// SolveDispatchFromBudget is SolveDispatchFrom with a work budget of
// budgetPerArc times the network's size, so that the tests reach the
// fallback to a cold solve.
func SolveDispatchFromBudget(ctx context.Context, d *Dispatch, start *DispatchStart, budgetPerArc int64) (*DispatchResult, error) {
	return solveDispatchFrom(ctx, d, start, budgetPerArc)
}

// SolveDispatchSimplexFrom starts the simplex from start.Basis's tree
// whatever the network, dropping the simplex the basis keeps; warm reports
// whether the basis fitted d (otherwise the result is nil).
func SolveDispatchSimplexFrom(ctx context.Context, d *Dispatch, start *DispatchStart) (r *DispatchResult, warm bool, err error) {
	if _, _, err := d.validate(); err != nil {
		return nil, false, err
	}
	start.Basis.live.Store(nil)
	lay := newDispatchLayout(d)
	r, err = solveDispatchTreeFrom(ctx, d, lay, d.simplexNetwork(lay), start)
	if err == errNoSimplex {
		return nil, false, nil
	}
	return r, true, err
}

// LiveMaxGrowth is liveMaxGrowth: a kept simplex takes at most
// 1/LiveMaxGrowth of its arcs more.
const LiveMaxGrowth = liveMaxGrowth

// SolveDispatchLive solves d on the simplex that start.Basis keeps,
// whatever the network; live reports whether it took it (otherwise the
// result is nil).
func SolveDispatchLive(ctx context.Context, d *Dispatch, start *DispatchStart) (r *DispatchResult, live bool, err error) {
	if _, _, err := d.validate(); err != nil {
		return nil, false, err
	}
	lay := newDispatchLayout(d)
	r, err = solveDispatchLive(ctx, d, lay, start)
	if err == errNoSimplex {
		return nil, false, nil
	}
	return r, true, err
}

// SolveMCFGrown solves sub cold with the simplex, then n, whose first arcs
// are sub's (same nodes), from sub's optimal tree with sub's arc states on
// the other arcs and n's added arcs at their lower bounds. warm reports whether
// the tree was taken; pivots counts the warm solve's pivots.
func SolveMCFGrown(ctx context.Context, sub, n *Network) (f *Flow, warm bool, pivots int64, err error) {
	s, err := newSimplex(sub, 0)
	if err != nil {
		return nil, false, 0, err
	}
	if err := s.run(ctx); err != nil {
		return nil, false, 0, err
	}
	if _, err := s.result(sub); err != nil {
		return nil, false, 0, err
	}
	upper := func(a int) bool { return a < sub.Arcs() && s.state[s.perm[a]] == stateUpper }
	f, _, warm, err = solveMCFFrom(ctx, n, s.tree(), upper)
	if f != nil {
		pivots = f.Stats.Iterations
	}
	return f, warm, pivots, err
}

// CrashTreeFits reports whether the simplex accepts the crash tree of a
// valid d at the worker prices price (nil: none; see SolveDispatchPriced)
// (the solve would otherwise start from the artificial tree), and how many
// pivots the crash-started solve then takes.
func CrashTreeFits(d *Dispatch, price []int64) (fits bool, pivots int64, err error) {
	lay := newDispatchLayout(d)
	n := d.simplexNetwork(lay)
	s, fits, err := d.crashSimplex(context.Background(), lay, n, price)
	if err != nil || !fits {
		return fits, 0, err
	}
	err = s.run(context.Background())
	return fits, s.pivots, err
}

// ShiftThread exposes the two-ended walk that shifts a thread segment's
// potentials.
func ShiftThread(pi []int64, thread, rev []int32, first, last, n int32, sigma int64) {
	shiftThread(pi, thread, rev, first, last, n, sigma)
}
