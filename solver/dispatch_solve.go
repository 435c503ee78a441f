package solver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SolveDispatch returns a minimum-cost dispatch of d with its optimality
// certificate: node potentials under which every residual arc of
// d.Network() has non-negative reduced cost, so that VerifyDispatch accepts
// the result.
//
// Algorithm: successive shortest paths (Ahuja, Magnanti and Orlin, Network
// Flows, 1993, §9.7) on the dispatch shape, with auction steps in front, as
// Jonker and Volgenant's sparse assignment algorithm puts augmenting row
// reduction in front of its shortest augmenting paths (Computing 38, 1987).
// Every task supplies one unit and the sink is the only demand, so tasks
// are placed one at a time:
//
//   - First by bid, an auction step with ε = 0 (Bertsekas, Annals of OR
//     14, 1988) for workers of many units: the task takes its cheapest
//     worker at current potentials, whose potential rises until the task is
//     indifferent to its second option, the worker's next unit becomes
//     free at zero reduced cost, or a task already there becomes
//     indifferent; that task is evicted and bids next. Chains longer than
//     maxChain stop, since ties can make them cycle.
//   - Then, for a chain that stops, by route: a Dijkstra search on reduced
//     costs from the free task through task→worker arcs and worker→task
//     reverse arcs of current assignments, which stops as soon as the
//     cheapest way into the sink (a worker's next unit or a leave arc) is
//     settled; only the settled nodes change potential (π += D − d).
//
// When every task may stay unassigned and the workers' whole capacity is
// less than the tasks, the roles turn (runScarce): every task starts left
// out and every capacity unit committed, and shortest paths run backwards
// from each worker that lacks a unit to the sink. Tasks left out then lie
// all around, so these searches stay small, where searches from the tasks
// would scan far for the task to leave out (5 times less CPU at 75%
// capacity on 10k tasks). Stats.Algorithm tells which ran.
//
// Both keep every residual arc at non-negative reduced cost, so the final
// flow is optimal and its potentials are the certificate. Parallel
// worker→sink tier arcs collapse to the marginal cost of the worker's next
// unit, which is valid because tier costs are non-decreasing. Pinned tasks
// are placed first and never move; their potentials are set at the end so
// that their other arcs keep non-negative reduced cost. Tasks and workers
// are renumbered internally for memory locality (see localityOrder).
//
// Why this algorithm: the dispatch networks of interest have few arcs per
// task and spare capacity, so most tasks are placed by a single bid and the
// rest by short searches in their neighbourhood; nothing is global. Where
// the cheapest capacity is short of the tasks (suitsSimplex: the balance
// tiers of a plan, capacity equal to demand) the searches cross regions,
// and SolveDispatch runs the network simplex (SolveMCF's, on d.Network()
// with the task arcs' capacity raised to 2, see simplexNetwork) instead,
// started from a greedy dispatch rather than from artificial arcs (see
// dispatchCrashTree); Stats.Algorithm is then "network-simplex". The README's solver
// notes give the measurements against LEMON that chose this and the
// variants tried and rejected. SolveDispatchFrom starts from a previous
// optimum instead (pricing rounds).
//
// Determinism: searches settle nodes in order of distance and equal
// distances in the order the 4-ary heap yields them; bids take the first
// cheapest option in arc order, preferring a worker with a free unit at
// zero reduced cost, and leave only when leaving is strictly cheaper or
// ties with a worker without one; evictions take the first task of least
// margin in the worker's list (the most recently placed first). Tasks are
// placed, and in the capacity-side solve workers filled, in the internal
// order. All of it, and the simplex (see SolveMCF), depends only on d, so
// the same input gives the same output.
//
// Errors: ErrInvalid or ErrOverflow from Validate (its bound keeps every
// potential, distance and sum within int64); ErrInfeasible when pins exceed
// a worker's capacity or a task that must be assigned cannot be, naming the
// task and the full workers it can reach; the context's error, wrapped, when
// ctx is cancelled (polled every ctxPollWork arc scans, a few milliseconds).
// SolveDispatch does not modify d and is safe to call concurrently on the
// same d.
func SolveDispatch(ctx context.Context, d *Dispatch) (*DispatchResult, error) {
	return solveDispatchPriced(ctx, d, nil)
}

// solveDispatchPriced is SolveDispatch with the simplex started at the
// worker prices price when not nil (see SolveDispatchPriced, which checks
// them).
func solveDispatchPriced(ctx context.Context, d *Dispatch, price []int64) (*DispatchResult, error) {
	off, order, err := d.validate()
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	if d.suitsSimplex() {
		r, err := solveDispatchSimplex(ctx, d, price)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, errNoSimplex) {
			return nil, fmt.Errorf("solve dispatch: %w", err)
		}
	}
	return solveDispatchSSP(ctx, d, off, order)
}

// solveDispatchSSP is SolveDispatch by successive shortest paths on a
// validated d.
func solveDispatchSSP(ctx context.Context, d *Dispatch, off, order []int32) (*DispatchResult, error) {
	start := time.Now()
	s, err := newDispatchState(d, off, order)
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	if err := s.run(ctx); err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	r, err := s.result()
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	r.Stats.Duration = time.Since(start)
	return r, nil
}

// Task states in dispatchState.assign besides a position (≥ 0).
const (
	taskFree    = -1 // not yet routed
	taskLeaving = -2 // routed on its leave-unassigned arc
)

// ctxPollWork is the number of arc scans between context polls.
const ctxPollWork = 1 << 16

// run places every free task: first by a chain of auction steps (bid),
// then, when a chain cannot go on or grows too long, by a shortest path
// search (route).
func (s *dispatchState) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.hole != nil {
		s.algorithm = "ssp-dispatch-warm"
	} else if s.scarce() {
		s.algorithm = "ssp-dispatch-scarce"
		return s.runScarce(ctx)
	} else {
		s.algorithm = "ssp-dispatch"
	}
	for t := range s.tasks {
		if s.task[t].pinned || s.task[t].assign != taskFree {
			continue
		}
		for cur, steps := t, 0; cur >= 0; steps++ {
			next := int32(bidStuck)
			if steps < maxChain {
				next = s.bid(cur)
				s.steps++
			}
			if next == bidStuck {
				if err := s.route(cur); err != nil {
					return err
				}
				next = -1
			}
			cur = next
		}
		if s.work >= s.polls {
			if err := ctx.Err(); err != nil {
				return err
			}
			s.polls = s.work + ctxPollWork
		}
		if s.budget > 0 && s.work > s.budget {
			return errWarmBudget
		}
	}
	return nil
}
