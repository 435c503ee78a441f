package solver

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
)

// SolveDispatchPriced is SolveDispatch started from an estimate of the
// optimum's worker prices: workerPrice[w] is what a unit of worker w's
// capacity is expected to cost at the optimum, its potential relative to
// the sink's (DispatchResult.Potential[Tasks+w] − Potential[sink]), as a
// smaller batch's plan over the same workers gives it. A nil workerPrice
// is SolveDispatch.
//
// On a network that suits the simplex (see SolveDispatch), the greedy
// dispatch the simplex starts from (dispatchCrashTree) then prices each
// worker's next unit at no less than its estimate, and places the tasks in
// order of regret at those prices (the gap between their cheapest and
// second cheapest option, largest first), so that the tasks that lose most
// by a second choice get their first. On the 100k-task plan of `paidan gen
// dispatch`, seeded by its sample, the first round then differs from its
// optimum on 33% of the tasks instead of 72%, and takes a third fewer
// pivots (README, "The priced crash"). Otherwise the estimate is not used.
//
// The estimate only chooses where the solve starts: the result is an
// optimum with its certificate whatever the prices, as SolveDispatch's.
// Errors are SolveDispatch's, and ErrInvalid when workerPrice's length is
// not Workers or a price is beyond ±2^61.
func SolveDispatchPriced(ctx context.Context, d *Dispatch, workerPrice []int64) (*DispatchResult, error) {
	if workerPrice != nil && len(workerPrice) != d.Workers {
		return nil, fmt.Errorf("solve dispatch: %w: %d worker prices for %d workers", ErrInvalid, len(workerPrice), d.Workers)
	}
	for w, p := range workerPrice {
		if p > maxStartPotential || p < -maxStartPotential {
			return nil, fmt.Errorf("solve dispatch: %w: price of worker %d is %d, beyond ±2^61", ErrInvalid, w, p)
		}
	}
	return solveDispatchPriced(ctx, d, workerPrice)
}

// regretOrder returns the tasks of d in decreasing order of regret at
// the worker prices price (see SolveDispatchPriced): the cost of a task's
// second cheapest option less that of its cheapest, where a candidate arc
// costs its own cost plus its worker's first tier or price, whichever is
// higher, and the leave arc its penalty. A task with fewer than two
// options comes first; equal regrets keep the task order. taskArcs(t)
// lists task t's candidate arcs.
func (d *Dispatch) regretOrder(price []int64, taskArcs func(t int) []int32) []int32 {
	regret := make([]int64, d.Tasks)
	order := make([]int32, d.Tasks)
	for t := range d.Tasks {
		order[t] = int32(t)
		first, second := int64(math.MaxInt64), int64(math.MaxInt64)
		option := func(c int64) {
			if c < first {
				first, second = c, first
			} else if c < second {
				second = c
			}
		}
		if u := d.Unassigned[t]; u != NoLeave {
			option(u)
		}
		for _, a := range taskArcs(t) {
			w := d.ArcWorker[a]
			if ts := d.Tiers[w]; len(ts) > 0 {
				option(d.ArcCost[a] + max(ts[0].Cost, price[w]))
			}
		}
		regret[t] = math.MaxInt64
		if second != math.MaxInt64 {
			regret[t] = second - first
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(regret[b], regret[a]) })
	return order
}
