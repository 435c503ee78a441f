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

// SolveDispatchSimplex runs the simplex whatever the network (the
// searches when the simplex declines it), so that the tests check it on
// small instances.
func SolveDispatchSimplex(ctx context.Context, d *Dispatch) (*DispatchResult, error) {
	off, order, err := d.validate()
	if err != nil {
		return nil, err
	}
	r, err := solveDispatchSimplex(ctx, d)
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
