package solver

import (
	"context"
	"math"
)

// simplexNetwork returns d.Network() with the capacity of every candidate
// and leave-unassigned arc raised from 1 to 2, the network the simplex
// solves a dispatch on. Nothing else changes: a task supplies one unit and
// no arc enters it, so no feasible flow puts more than 1 on its arcs, and
// the two networks have the same feasible flows and costs. Potentials
// optimal here are optimal for d.Network() too (a used arc has reduced cost
// 0 here, which implies ≤ 0 there). What the second unit buys: an arc
// carrying its task's unit is below its capacity, so it can hang in a
// strongly feasible tree pointing from the task to the worker, which the
// crash tree (dispatchCrashTree) and a previous solve's tree need.
func (d *Dispatch) simplexNetwork(lay *dispatchLayout) *Network {
	n := d.Network()
	for a := range lay.cands {
		n.Upper[a] = 2
	}
	for a := lay.cands + lay.tiers; a < len(n.Upper); a++ {
		n.Upper[a] = 2
	}
	return n
}

// dispatchCrashTree returns a strongly feasible starting tree for the
// simplex on d.simplexNetwork(lay) that carries a greedy dispatch, and
// which tier arcs start full (at their upper bound, off the tree).
//
// The greedy takes the tasks in order and gives each the option of least
// cost at the current loads: a candidate arc's cost plus the cost of its
// worker's next unit (its load's tier), or the leave arc; a task without
// either stays on its artificial arc. With worker prices (price not nil,
// see SolveDispatchPriced) a worker's next unit costs its tier's cost or
// its price, whichever is higher, and the tasks go in order of regret at
// those prices (regretOrder). Pinned tasks count on their worker
// first. The tree then hangs each placed task from its worker or from the
// sink by the arc it uses (flow 1 of capacity 2), each worker from the sink
// by its first tier with room (the tiers before it full, the tier carrying
// the rest), a full worker or one without tiers from the root, and the sink
// from the root. Every tree arc can then pass flow towards the root, as
// Cunningham's rule needs.
//
// Why: the simplex started from the artificial tree spends about 17 pivots
// per task on a plan network before every task reaches a worker (172k
// pivots on the final network of the 10k plan); started from the greedy,
// the pivots only improve a dispatch that is already close (see the
// README's solver notes for the counts and times).
func (d *Dispatch) dispatchCrashTree(lay *dispatchLayout, price []int64) (*simplexTree, []bool) {
	T, W := d.Tasks, d.Workers
	sink := int32(T + W)
	nodes := T + W + 1
	tree := &simplexTree{parent: make([]int32, nodes), arc: make([]int32, nodes)}
	for v := range nodes {
		tree.parent[v], tree.arc[v] = -1, -1
	}
	// Candidate arcs of each task (CSR), and pinned tasks on their worker.
	start := make([]int32, T+1)
	for _, t := range d.ArcTask {
		start[t+1]++
	}
	for t := range T {
		start[t+1] += start[t]
	}
	arcs := make([]int32, len(d.ArcTask))
	fill := append([]int32(nil), start[:T]...)
	for a, t := range d.ArcTask {
		arcs[fill[t]] = int32(a)
		fill[t]++
	}
	load := make([]int64, W)
	tier := make([]int32, W) // the tier of each worker's next unit
	used := make([]int64, W) // units used in that tier
	take := func(w int32) {
		load[w]++
		used[w]++
		if ts := d.Tiers[w]; int(tier[w]) < len(ts) && used[w] == ts[tier[w]].Units {
			tier[w]++
			used[w] = 0
		}
	}
	pinned := make([]bool, T)
	for _, a := range d.Pinned {
		t, w := d.ArcTask[a], d.ArcWorker[a]
		pinned[t] = true
		tree.parent[t], tree.arc[t] = int32(T)+w, a
		take(w)
	}
	taskArcs := func(t int) []int32 { return arcs[start[t]:start[t+1]] }
	var order []int32 // nil: task order
	if price != nil {
		order = d.regretOrder(price, taskArcs)
	}
	for i := range T {
		t := i
		if order != nil {
			t = int(order[i])
		}
		if pinned[t] {
			continue
		}
		best, choice := int64(math.MaxInt64), int32(-1)
		for _, a := range taskArcs(t) {
			w := d.ArcWorker[a]
			ts := d.Tiers[w]
			if int(tier[w]) >= len(ts) {
				continue // full
			}
			unit := ts[tier[w]].Cost
			if price != nil {
				unit = max(unit, price[w])
			}
			if c := d.ArcCost[a] + unit; c < best {
				best, choice = c, a
			}
		}
		if u := d.Unassigned[t]; u != NoLeave && u < best {
			tree.parent[t], tree.arc[t] = sink, lay.leaveArc[t]
			continue
		}
		if choice >= 0 {
			w := d.ArcWorker[choice]
			tree.parent[t], tree.arc[t] = int32(T)+w, choice
			take(w)
		}
	}
	full := make([]bool, lay.tiers)
	for w := range W {
		first := lay.tierStart[w]
		for i := range tier[w] {
			full[first+i] = true
		}
		if int(tier[w]) < len(d.Tiers[w]) {
			tree.parent[T+w] = sink
			tree.arc[T+w] = int32(lay.cands) + first + tier[w]
		}
	}
	return tree, full
}

// crashSimplex returns the simplex for n = d.simplexNetwork(lay) started
// from the crash tree (dispatchCrashTree, at the worker prices price when
// not nil), or, should setTree refuse it
// (crashed false; the tests check that it never does), from the artificial
// tree. Errors are newSimplexFor's.
func (d *Dispatch) crashSimplex(ctx context.Context, lay *dispatchLayout, n *Network, price []int64) (s *simplex, crashed bool, err error) {
	if s, err = newSimplexFor(ctx, n); err != nil {
		return nil, false, err
	}
	tree, full := d.dispatchCrashTree(lay, price)
	upper := func(a int) bool {
		i := a - lay.cands
		return i >= 0 && i < lay.tiers && full[i]
	}
	if s.setTree(n, tree, upper) {
		s.blockSize = dispatchBlockSize(s.arcs)
		return s, true, nil
	}
	s, err = newSimplexFor(ctx, n)
	return s, false, err
}

// dispatchBlockSize is the pricing block of a simplex started from a
// dispatch's crash tree or a previous optimal tree: ⌊√arcs / 4⌋, at least
// 10, a quarter of SolveMCF's. From such a start violating arcs are
// common and the pivots barely depend on the block (1 142 304 against
// 1 242 107 on the 100k plan's final network), while each pivot scans at
// least a block: solve CPU 35.8 s against 41.3 s there (the two run side
// by side on the same machine), and within noise at 10k–20k.
func dispatchBlockSize(arcs int) int {
	return max(int(math.Sqrt(float64(arcs))/4), 10)
}
