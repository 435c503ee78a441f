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
