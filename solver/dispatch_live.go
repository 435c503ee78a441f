package solver

import (
	"context"
	"slices"
	"time"
)

// liveSimplex is the working state of the network simplex at the optimum
// of a dispatch, kept in its DispatchResult.Basis so that the next pricing
// round, whose network only adds candidate arcs, pivots on it instead of
// building a simplex and setting its tree again. On the 10k-task plan of
// `paidan gen dispatch` that building took 40% of the warm rounds' time,
// most of it for rounds of a few dozen pivots (README, solver notes).
type liveSimplex struct {
	s   *simplex
	lay *dispatchLayout // of the dispatch s solved
	// taskWorker is each task's worker in s's flow (-1: left out), to
	// tell whether a start is that flow; one per task.
	taskWorker []int32
}

// newLiveSimplex records s, at the optimum r of d laid out as lay.
func newLiveSimplex(d *Dispatch, lay *dispatchLayout, s *simplex, r *DispatchResult) *liveSimplex {
	lv := &liveSimplex{s: s, lay: lay, taskWorker: make([]int32, d.Tasks)}
	for t, a := range r.TaskArc {
		lv.taskWorker[t] = -1
		if a >= 0 {
			lv.taskWorker[t] = d.ArcWorker[a]
		}
	}
	return lv
}

// solveDispatchLive solves d, laid out as lay, on the simplex that
// start.Basis keeps, when d is that simplex's dispatch with candidate arcs
// added and start is its flow: the added arcs join it at their lower
// bound, off the tree, so only they can make it pivot. It returns
// errNoSimplex, leaving the basis's tree to the caller, when the basis
// keeps no simplex (a solve from it took it already) or d or start is not
// what it needs (see grow).
func solveDispatchLive(ctx context.Context, d *Dispatch, lay *dispatchLayout, start *DispatchStart) (*DispatchResult, error) {
	t0 := time.Now()
	lv := start.Basis.live.Swap(nil)
	if lv == nil || !slices.Equal(lv.taskWorker, start.TaskWorker) {
		return nil, errNoSimplex
	}
	s := lv.grow(d, lay)
	if s == nil {
		return nil, errNoSimplex
	}
	return dispatchSimplexResult(ctx, d, lay, s, t0)
}

// liveMaxGrowth bounds the arcs a round may add for the simplex to be
// kept: at most 1/liveMaxGrowth of its arcs. A plan's second round adds
// more (12–20% at 10k–100k tasks, up to 80% in its samples), and then the
// kept simplex, new arcs spread as grow spreads them, pivoted about 6%
// more often than one built afresh (100k plan, round 2: 154 552 pivots
// against 145 351, 1.58–1.70 s against 1.31–1.41 s), which costs more
// than the building; the later rounds add 0.1–5%.
const liveMaxGrowth = 8

// grow extends lv's simplex to d.simplexNetwork(lay) and returns it; or
// returns nil, leaving the simplex as it was, unless d has the same
// tasks, workers, tiers and leave arcs as lv's dispatch, with the same
// costs, and candidate arcs that are lv's, in the same order and with the
// same costs and pins, with new ones among them that are not pinned, cost
// no more than the artificial arcs' bound allows (|cost| at most the
// largest of lv's network) and are no more than liveMaxGrowth allows.
func (lv *liveSimplex) grow(d *Dispatch, lay *dispatchLayout) *simplex {
	s, old, T := lv.s, lv.lay, len(lv.taskWorker)
	if d.Tasks != T || s.nodes != T+d.Workers+1 || len(s.infinite) > 0 ||
		lay.tiers != old.tiers || !slices.Equal(lay.tierStart, old.tierStart) ||
		!slices.Equal(lay.leaveTask, old.leaveTask) || lay.cands < old.cands ||
		(lay.cands-old.cands)*liveMaxGrowth > s.arcs {
		return nil
	}
	perm := make([]int32, lay.cands+lay.tiers+len(lay.leaveTask))
	same := func(a int, cost, units int64) bool {
		e := s.perm[a-lay.cands+old.cands]
		perm[a] = e
		return s.arc[e].cost == cost && s.x[e].cap == units
	}
	a := lay.cands
	for _, tiers := range d.Tiers {
		for _, tr := range tiers {
			if !same(a, tr.Cost, tr.Units) {
				return nil
			}
			a++
		}
	}
	for _, t := range lay.leaveTask {
		if !same(a, d.Unassigned[t], 2) {
			return nil
		}
		a++
	}

	// d's candidates: lv's in the same order (matched greedily, which
	// finds them since Validate refuses two arcs of the same task and
	// worker), and new ones among them, numbered from s.arcs on. A pinned
	// arc has capacity 1 in s (its lower bound taken out), any other 2.
	room := make([]int64, lay.cands)
	for a := range room {
		room[a] = 2
	}
	for _, a := range d.Pinned {
		room[a] = 1
	}
	maxCost := s.artCost/int64(s.nodes+1) - 1
	added := int32(s.arcs)
	var fresh []int32 // d's new arcs
	i := 0            // lv's next candidate to match
	for a, t := range d.ArcTask {
		w, c := int32(T)+d.ArcWorker[a], d.ArcCost[a]
		if i < old.cands {
			if e := s.perm[i]; s.arc[e].src == t && s.arc[e].tgt == w && s.arc[e].cost == c && s.x[e].cap == room[a] {
				perm[a] = e
				i++
				continue
			}
		}
		if room[a] != 2 || c > maxCost || -c > maxCost {
			return nil
		}
		perm[a] = added
		added++
		fresh = append(fresh, int32(a))
	}
	if i != old.cands {
		return nil // an arc of lv's dispatch is not in d, or not in its order
	}

	// Room for the new arcs between the network arcs and the artificial
	// ones; tree arcs that are artificial move with them.
	k := len(fresh)
	s.arc = openGap(s.arc, s.arcs, k)
	s.x = openGap(s.x, s.arcs, k)
	s.state = openGap(s.state, s.arcs, k)
	for v := range s.nodes {
		if int(s.node[v].pred) >= s.arcs {
			s.node[v].pred += int32(k)
		}
	}
	// Spread the new arcs evenly over the old ones, as newSimplex mixes
	// a network's arcs: the j-th takes internal slot j·old/k, whose arc
	// moves to the j-th new slot. Left together at the end, they made the
	// block search pivot 1.2–2.2 times as often (README, solver notes).
	inv := make([]int32, s.arcs) // internal arc → d's arc, for the old ones
	for a, e := range perm {
		if int(e) < s.arcs {
			inv[e] = int32(a)
		}
	}
	for j, a := range fresh { // k ≤ s.arcs/liveMaxGrowth: the slots differ
		e, p := perm[a], int32(j*s.arcs/k)
		s.arc[e], s.x[e], s.state[e] = s.arc[p], s.x[p], s.state[p]
		perm[inv[p]] = e
		if s.state[p] == stateTree {
			if u := s.arc[p].src; s.node[u].pred == p {
				s.node[u].pred = e
			} else {
				s.node[s.arc[p].tgt].pred = e
			}
		}
		perm[a] = p
		s.arc[p] = simplexArc{src: d.ArcTask[a], tgt: int32(T) + d.ArcWorker[a], cost: d.ArcCost[a]}
		s.x[p] = arcFlow{cap: 2}
		s.state[p] = stateLower
	}
	s.arcs += k
	s.perm = perm
	s.blockSize = dispatchBlockSize(s.arcs)
	s.pivots, s.work = 0, 0
	return s
}

// openGap returns xs with k elements of unspecified value inserted at
// index at, reallocating with a quarter more room than needed when its
// capacity is short, so that the following rounds grow in place.
func openGap[T any](xs []T, at, k int) []T {
	n := len(xs) + k
	if n > cap(xs) {
		ys := make([]T, n, n+n/4)
		copy(ys, xs[:at])
		copy(ys[at+k:], xs[at:])
		return ys
	}
	xs = xs[:n]
	copy(xs[at+k:], xs[at:n-k])
	return xs
}
