package model

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paidan/paidan/solver"
)

// pricedArcsPerTask bounds how many arcs of negative reduced cost a
// pricing round adds per task, most negative first. The loop goes on until
// no eligible pair prices out, so the bound changes the rounds, never the
// optimum: smaller rounds add fewer arcs that the next warm-started solve
// must move its tree for, at the price of more rounds.
//
// Measured on the plans of `paidan gen dispatch` (seed 1; CPU time of the
// whole plan, medians of 3, interleaved, load 2.6–3.5; README, "Pricing
// policy"), against the former first round that also added every pair
// within 0.3 km's travel cost of violating, up to 20 per task: 100k tasks
// 29.6 s against 32.0 s (9 rounds against 7; final network 1.52 M
// candidate arcs against 2.49 M; peak RSS 506 MiB against 638 MiB), 20k
// tasks 1.28 s against 1.36 s (steeper tiers 2.14 s against 2.27 s), 10k
// tasks within noise. Up to 20 negative pairs per task: 31.5 s at 100k.
// At 100k, 20 per task below 0.3 km in every round had taken 4 rounds and
// a 4.10 M-arc final network; without any bound the second round's
// network had 10.3 M arcs.
const pricedArcsPerTask = 5

// pricing is one round of pricing out the eligible task-worker pairs that
// are not on the network against a solve's potentials.
type pricing struct {
	in   *instance
	cand *candidates
	// extra holds the arcs added by earlier rounds (and spill); read only
	// while a round runs.
	extra map[int][]candidate
	pot   []int64 // solver.DispatchResult.Potential
	// trees are the k-d trees of in.index: byRegion first, then any at
	// index len(byRegion); floor[tree][node] is the lowest potential of a
	// worker with capacity under that node (math.MaxInt64 for none).
	trees []*kdTree
	floor [][]int64
	// ptPot[tree][i] is the potential of the worker at point i of that
	// tree (math.MaxInt64 for one without capacity): the leaves read
	// their workers' potentials in order rather than one by one.
	ptPot   [][]int64
	perTask int // the most arcs added per task (Plan: pricedArcsPerTask)
	// chord bounds the chord within which a travel cost of some units
	// may lie, at Resolution/TravelCostPerKm km per unit; 0 when travel
	// is free (see radius).
	chord chordBound
	// In a round after the first (see incremental): moved[v] is how far
	// node v's potential moved since the previous pricing, movedFloor the
	// lowest move of a worker with capacity per node of each tree (as
	// floor), and capped the tasks the previous pricing cut short.
	moved      []int64
	movedFloor [][]int64
	capped     []bool
}

// price prices every eligible pair outside the network (column generation,
// G. B. Dantzig and P. Wolfe, "Decomposition principle for linear programs",
// Operations Research 8(1), 1960; for networks, Ahuja, Magnanti and Orlin,
// Network Flows, 1993, §9.3). With potentials π from the solver (reduced
// cost c − π(tail) + π(head)), the arc from task t to worker w, absent from
// the network, violates optimality iff c_tw < π_t − π_w. Since c_tw is at
// least the rounded travel cost TravelCostPerKm·d_tw/Resolution − ½, and
// π_w is at least the lowest potential f of the workers with capacity
// under a k-d tree node, only workers of that node within
// (π_t − f)·Resolution/TravelCostPerKm km of the task can violate; price
// descends the tree with that radius per node and computes the exact
// reduced cost of the workers it reaches. With TravelCostPerKm = 0 the ball
// is the whole tree (within the longest distance limit): every eligible
// pair of the task is priced.
//
// Pinned tasks are not priced: they may use their pinned worker only. When
// some pair has negative reduced cost, it returns, per task, up to
// perTask eligible workers of negative reduced cost, most negative first
// (ties by worker order); else none.
// It also returns how many pairs it priced. The result does not depend on
// parallel.
//
// prev, when not nil, is what the previous round's pricing returned (it
// found a violation, so it added every pair then of negative reduced cost,
// up to perTask per task): only the pairs whose reduced cost may have fallen
// since, and every pair of the tasks the bound cut short, are priced (see
// incremental). The returned priceMemo is this round's.
func (in *instance) price(ctx context.Context, c *candidates, extra map[int][]candidate, res *solver.DispatchResult,
	prev *priceMemo, perTask, parallel int) (map[int][]candidate, *priceMemo, int64, error) {
	p := newPricing(in, c, extra, res.Potential, perTask)
	if prev != nil {
		p.incremental(prev)
	}
	memo := &priceMemo{pot: res.Potential, capped: make([]bool, len(in.tasks))}

	n := len(in.tasks)
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = max(min(parallel, n/1024), 1)
	found := make([][]pricedTask, parallel)
	priced := make([]int64, parallel)
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for part := range parallel {
		lo, hi := n*part/parallel, n*(part+1)/parallel
		wg.Go(func() { found[part], priced[part], errs[part] = p.priceRange(ctx, lo, hi) })
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, nil, 0, err
	}
	var out map[int][]candidate
	var total int64
	for part := range parallel {
		total += priced[part]
		for _, pt := range found[part] {
			if out == nil {
				out = map[int][]candidate{}
			}
			out[pt.task] = pt.arcs
			memo.capped[pt.task] = pt.capped
		}
	}
	return out, memo, total, nil
}

// priceMemo is what a pricing round leaves for the next (see
// incremental): the potentials it priced against, and the tasks that had
// more pairs of negative reduced cost than it added.
type priceMemo struct {
	pot    []int64
	capped []bool
}

// pricedTask is a task's arcs of negative reduced cost.
type pricedTask struct {
	task   int
	arcs   []candidate
	capped bool // more pairs priced out than were kept
}

// violation is a worker whose arc has negative reduced cost.
type violation struct {
	candidate
	reduced int64
}

func (p *pricing) priceRange(ctx context.Context, lo, hi int) ([]pricedTask, int64, error) {
	in := p.in
	T := len(in.tasks)
	var (
		out    []pricedTask
		priced int64
		found  []violation
	)
	for ti := lo; ti < hi; ti++ {
		if (ti-lo)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, fmt.Errorf("price pairs: %w", err)
			}
		}
		t := &in.tasks[ti]
		if t.pinned != -1 {
			continue
		}
		piT := p.pot[ti]
		// A task priced incrementally meets only the workers whose
		// potential moved less than its own.
		limit := int64(math.MaxInt64)
		if p.moved != nil && !p.capped[ti] {
			limit = p.moved[ti]
		}
		found = found[:0]
		// Every worker but the task's previous one costs at least the
		// stability penalty on top of travel: the search's radii leave it
		// out, and the previous worker is priced on its own.
		var moveCost int64
		if t.hasPrevious {
			moveCost = in.cost.stability
		}
		visit := func(w int32, d2 float64) {
			gap := piT - p.pot[T+int(w)] // an arc costing less than gap violates
			if gap <= 0 || in.workers[w].remaining <= 0 || (p.moved != nil && p.moved[T+int(w)] >= limit) {
				return
			}
			// The k-d nodes hold the union of their workers' skills: a
			// worker without the task's is left before any distance.
			if !in.hasSkills(ti, int(w)) {
				return
			}
			// The worker's own bound: the node's radius came from the
			// lowest potential under it; with this worker's, travel alone
			// (plus the stability penalty) may already cost gap.
			travelGap := gap
			if w != t.previous {
				travelGap -= moveCost
			}
			if r := p.radius(travelGap); travelGap <= 0 || d2 > r*r {
				return
			}
			priced++
			d := haversine(t.geo, in.workers[w].geo)
			cost := in.arcUnits(ti, int(w), d)
			if cost >= gap || hasArc(p.cand, p.extra, ti, w) || !in.check(ti, int(w), allRules, false).ok() {
				return
			}
			found = append(found, violation{candidate{w, d}, cost - gap})
		}
		searchVisit := visit
		if moveCost > 0 && t.previous >= 0 {
			searchVisit = func(w int32, d2 float64) {
				if w != t.previous {
					visit(w, d2)
				}
			}
		}
		p.search(int(t.region), ti, moveCost, limit, searchVisit)
		p.search(len(in.index.byRegion), ti, moveCost, limit, searchVisit)
		if moveCost > 0 && t.previous >= 0 {
			visit(t.previous, dist2(t.v, in.workers[t.previous].v))
		}
		if len(found) == 0 {
			continue
		}
		slices.SortFunc(found, func(a, b violation) int {
			return cmp.Or(cmp.Compare(a.reduced, b.reduced), cmp.Compare(a.worker, b.worker))
		})
		arcs := make([]candidate, 0, min(len(found), p.perTask))
		for _, v := range found[:min(len(found), p.perTask)] {
			arcs = append(arcs, v.candidate)
		}
		out = append(out, pricedTask{ti, arcs, len(found) > p.perTask})
	}
	return out, priced, nil
}

// incremental restricts a round after the first to the pairs whose
// reduced cost may have become negative. Every pair off the network of a
// task the bound did not cut short (prev.capped) had reduced cost
// c − π'(t) + π'(w) ≥ 0 under the previous pricing's potentials π' (those
// below were added); the others are priced in full. With
// Δ(v) = π(v) − π'(v), the reduced cost changed by Δ(w) − Δ(t), so it can
// be negative now only if Δ(w) < Δ(t): such a task is priced only against
// the workers that moved less than it, found through the lowest Δ of the
// workers under each k-d node (a warm round moves few potentials, and
// shifts all of them alike when the sink's moved, so most tasks meet no
// worker at all).
func (p *pricing) incremental(memo *priceMemo) {
	prev := memo.pot
	p.moved = make([]int64, len(p.pot))
	for v := range p.pot {
		p.moved[v] = p.pot[v] - prev[v]
	}
	p.capped = memo.capped
	T := len(p.in.tasks)
	p.movedFloor = make([][]int64, len(p.trees))
	for i, t := range p.trees {
		if t != nil {
			p.movedFloor[i] = p.nodeFloors(t, p.moved[T:])
		}
	}
}

// newPricing returns the pricing of the pairs off the network c, extra
// against the potentials pot, with its trees and their floors.
func newPricing(in *instance, c *candidates, extra map[int][]candidate, pot []int64, perTask int) *pricing {
	p := &pricing{in: in, cand: c, extra: extra, pot: pot, perTask: perTask,
		trees: append(slices.Clone(in.index.byRegion), in.index.any)}
	if tpk := in.rules.TravelCostPerKm; tpk > 0 {
		p.chord = newChordBound(in.rules.Resolution / tpk)
	}
	p.floor = make([][]int64, len(p.trees))
	p.ptPot = make([][]int64, len(p.trees))
	T := len(in.tasks)
	for i, t := range p.trees {
		if t == nil {
			continue
		}
		p.floor[i] = p.nodeFloors(t, pot[T:])
		p.ptPot[i] = make([]int64, len(t.ids))
		for j, w := range t.ids {
			p.ptPot[i][j] = math.MaxInt64
			if in.workers[w].remaining > 0 {
				p.ptPot[i][j] = pot[T+int(w)]
			}
		}
	}
	return p
}

// nodeFloors returns, per node of t, the lowest value (of val, per
// worker) of a worker with capacity under it. Nodes are numbered in
// preorder, so children come after their parent and one backward pass
// suffices.
func (p *pricing) nodeFloors(t *kdTree, val []int64) []int64 {
	f := make([]int64, len(t.nodes))
	for ni := len(t.nodes) - 1; ni >= 0; ni-- {
		n := &t.nodes[ni]
		if n.left >= 0 {
			f[ni] = min(f[n.left], f[n.right])
			continue
		}
		f[ni] = math.MaxInt64
		for _, w := range t.ids[n.start:n.end] {
			if p.in.workers[w].remaining > 0 {
				f[ni] = min(f[ni], val[w])
			}
		}
	}
	return f
}

// search calls visit, with its squared chord distance to the task, for
// every worker of tree p.trees[tree] that may have task ti's skills and
// lies within the pricing radius of its own potential (p.ptPot), given
// that every pair costs at least minCost besides travel: no other worker
// can price out. A node is left whole when it lies beyond the radius of
// the lowest potential under it (p.floor). With limit below math.MaxInt64 it skips
// the nodes whose workers all moved by limit or more (p.movedFloor; see
// incremental).
func (p *pricing) search(tree, ti int, minCost, limit int64, visit func(w int32, d2 float64)) {
	t := p.trees[tree]
	if t == nil || len(t.nodes) == 0 {
		return
	}
	floor, ptPot := p.floor[tree], p.ptPot[tree]
	var moved []int64
	if limit != math.MaxInt64 {
		moved = p.movedFloor[tree]
	}
	q, need, piT := p.in.tasks[ti].v, p.in.skillsOf(ti), p.pot[ti]
	reach := piT - minCost // a worker of lower potential may price out
	var rec func(ni int32)
	rec = func(ni int32) {
		n := &t.nodes[ni]
		gap := piT - floor[ni] - minCost
		if floor[ni] == math.MaxInt64 || gap <= 0 || (moved != nil && moved[ni] >= limit) || !t.hasSkills(ni, need) {
			return
		}
		r := p.radius(gap)
		r2 := r * r
		if n.boxDist2(q) > r2 {
			return
		}
		if n.left >= 0 {
			rec(n.left)
			rec(n.right)
			return
		}
		// Each worker's own radius, from its own potential, before the
		// call: most workers within the node's radius are outside theirs.
		for i := n.start; i < n.end; i++ {
			pw := ptPot[i]
			if pw >= reach {
				continue
			}
			r := p.radius(reach - pw)
			if d2 := dist2(q, t.pts[i]); d2 <= r*r {
				visit(t.ids[i], d2)
			}
		}
	}
	rec(0)
}

// radius is the chord within which a worker's travel cost alone stays
// below gap units: travel rounds TravelCostPerKm·d/Resolution, so a worker
// farther than gap·Resolution/TravelCostPerKm km costs at least gap.
// p.chord bounds the chord of that distance from above without
// trigonometry (pricing computes a radius per k-d node and per worker).
// It is never beyond the longest distance limit, and that limit alone
// when travel is free.
func (p *pricing) radius(gap int64) float64 {
	if p.chord == 0 {
		return p.in.searchChord
	}
	return min(p.in.searchChord, p.chord.of(float64(gap)))
}
