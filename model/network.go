package model

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/paidan/paidan/solver"
)

// candidate is a worker kept for a task.
type candidate struct {
	worker int32
	distKm float64
}

// candidates holds each task's candidate workers: task t's are
// list[start[t]:start[t+1]], nearest first.
type candidates struct {
	start []int32
	list  []candidate
}

func (c *candidates) of(t int) []candidate { return c.list[c.start[t]:c.start[t+1]] }

// prune finds each unpinned task's candidates: its CandidatesPerTask nearest
// eligible workers through the k-d tree, plus its previous worker when
// eligible. Pinned tasks get none here; network gives them their pinned
// worker. Tasks are split into contiguous ranges over up to parallel
// goroutines; the result does not depend on parallel.
func (in *instance) prune(ctx context.Context, parallel int) (*candidates, error) {
	n := len(in.tasks)
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = max(min(parallel, n/1024), 1)
	parts := make([]candidates, parallel)
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for p := range parallel {
		lo, hi := n*p/parallel, n*(p+1)/parallel
		wg.Go(func() { parts[p], errs[p] = in.pruneRange(ctx, lo, hi) })
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	if parallel == 1 {
		return &parts[0], nil
	}
	total := 0
	for _, part := range parts {
		total += len(part.list)
	}
	out := &candidates{start: make([]int32, 1, n+1), list: make([]candidate, 0, total)}
	for _, part := range parts {
		base := int32(len(out.list))
		for _, s := range part.start[1:] {
			out.start = append(out.start, base+s)
		}
		out.list = append(out.list, part.list...)
	}
	return out, nil
}

// firstError returns the first non-nil error of errs, or nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (in *instance) pruneRange(ctx context.Context, lo, hi int) (candidates, error) {
	k := in.rules.CandidatesPerTask
	out := candidates{start: make([]int32, 1, hi-lo+1), list: make([]candidate, 0, (hi-lo)*min(k, len(in.workers)))}
	var buf []neighbour
	for ti := lo; ti < hi; ti++ {
		if (ti-lo)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return out, fmt.Errorf("prune candidates: %w", err)
			}
		}
		t := &in.tasks[ti]
		if t.pinned == -1 {
			buf = in.index.nearest(in, ti, in.searchChord, k, func(wi int32) bool {
				return in.check(ti, int(wi), allRules, false).ok()
			}, buf)
			for _, nb := range buf {
				out.list = append(out.list, candidate{nb.id, haversine(t.geo, in.workers[nb.id].geo)})
			}
			if p := t.previous; p >= 0 && !slices.ContainsFunc(buf, func(nb neighbour) bool { return nb.id == p }) {
				if in.check(ti, int(p), allRules, false).ok() {
					out.list = append(out.list, candidate{p, haversine(t.geo, in.workers[p].geo)})
				}
			}
		}
		out.start = append(out.start, int32(len(out.list)))
	}
	return out, nil
}

// spillCandidates is how many extra candidates spill gives a task.
const spillCandidates = 3

// spill predicts which workers the solve will fill, by a greedy pass that
// gives each task in turn its cheapest candidate with room left. Then each
// task the greedy could not place, in task order, gets its nearest eligible
// workers that still have room as extra candidates (and takes one unit of
// the first). Without them a task in a busy spot could be left out only
// because pruning hid the workers with room, and Plan would need another
// solve to find out. The result is a deterministic function of the
// candidates.
func (in *instance) spill(ctx context.Context, c *candidates) (map[int][]candidate, error) {
	room := make([]int, len(in.workers))
	for w := range in.workers {
		room[w] = in.workers[w].remaining
	}
	var unplaced []int
	for ti := range in.tasks {
		cs := c.of(ti)
		best, bestCost := int32(-1), int64(0)
		for _, cd := range cs {
			if cost := in.arcUnits(ti, int(cd.worker), cd.distKm); room[cd.worker] > 0 && (best < 0 || cost < bestCost) {
				best, bestCost = cd.worker, cost
			}
		}
		switch {
		case best >= 0:
			room[best]--
		case len(cs) >= in.rules.CandidatesPerTask: // else every eligible worker is a candidate
			unplaced = append(unplaced, ti)
		}
	}
	open := in.newWorkerIndex(func(w int) bool { return room[w] > 0 })
	extra := make(map[int][]candidate, len(unplaced))
	var buf []neighbour
	for i, ti := range unplaced {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("spill candidates: %w", err)
			}
		}
		buf = open.nearest(in, ti, in.searchChord, spillCandidates, func(w int32) bool {
			return room[w] > 0 && in.check(ti, int(w), allRules, false).ok()
		}, buf)
		for j, nb := range buf {
			if j == 0 {
				room[nb.id]--
			}
			extra[ti] = append(extra[ti], candidate{nb.id, haversine(in.tasks[ti].geo, in.workers[nb.id].geo)})
		}
	}
	return extra, nil
}

// network is the solver's dispatch problem with what the model needs to
// read its solution back.
type network struct {
	d      solver.Dispatch
	distKm []float64 // per arc
	// pinnedFail holds, for each pinned task its worker cannot take, the
	// planner's explanation.
	pinnedFail map[int]string
}

// network builds the dispatch problem from the candidates (and extra
// candidates per task from spill and pricing). Pinned tasks are honoured in
// task order while their worker is eligible and has capacity left; the
// others are left unassigned with reason PinnedInfeasible.
func (in *instance) network(c *candidates, extra map[int][]candidate) *network {
	T, W := len(in.tasks), len(in.workers)
	arcs := len(c.list)
	for _, e := range extra {
		arcs += len(e)
	}
	net := &network{
		d: solver.Dispatch{
			Tasks: T, Workers: W,
			ArcTask:    make([]int32, 0, arcs),
			ArcWorker:  make([]int32, 0, arcs),
			ArcCost:    make([]int64, 0, arcs),
			Unassigned: make([]int64, T),
			Tiers:      make([][]solver.Tier, W),
		},
		distKm:     make([]float64, 0, arcs),
		pinnedFail: map[int]string{},
	}
	for w := range in.workers {
		net.d.Tiers[w] = in.workers[w].tiers
	}
	pinnedUse := make([]int, W)
	add := func(ti int, c candidate) {
		net.d.ArcTask = append(net.d.ArcTask, int32(ti))
		net.d.ArcWorker = append(net.d.ArcWorker, c.worker)
		net.d.ArcCost = append(net.d.ArcCost, in.arcUnits(ti, int(c.worker), c.distKm))
		net.distKm = append(net.distKm, c.distKm)
	}
	for ti := range in.tasks {
		t := &in.tasks[ti]
		net.d.Unassigned[ti] = t.penalty
		switch {
		case t.pinned == -2:
			net.pinnedFail[ti] = fmt.Sprintf("pinned to worker %s, which is not in the batch", in.batch.Tasks[ti].PinnedWorker)
		case t.pinned >= 0:
			w := int(t.pinned)
			v := in.check(ti, w, allRules, true)
			id := in.batch.Workers[w].ID
			switch {
			case !v.ok():
				net.pinnedFail[ti] = fmt.Sprintf("pinned to worker %s, which cannot take it: %s", id, in.brokenRules(ti, w, v))
			case pinnedUse[w] >= in.workers[w].remaining:
				net.pinnedFail[ti] = fmt.Sprintf("pinned to worker %s, whose %d remaining units go to %d earlier tasks pinned to it",
					id, in.workers[w].remaining, pinnedUse[w])
			default:
				pinnedUse[w]++
				net.d.Pinned = append(net.d.Pinned, int32(len(net.d.ArcTask)))
				net.d.Unassigned[ti] = solver.NoLeave
				add(ti, candidate{int32(w), v.distKm})
			}
		default:
			for _, cand := range c.of(ti) {
				add(ti, cand)
			}
			for _, cand := range extra[ti] {
				add(ti, cand)
			}
		}
	}
	return net
}

// brokenRules describes every rule v records as broken, joined with "; ".
func (in *instance) brokenRules(ti, wi int, v verdict) string {
	var s string
	for r := range numRules {
		if v.failed.has(r) {
			if s != "" {
				s += "; "
			}
			s += in.ruleDetail(ti, wi, r, v)
		}
	}
	return s
}

// arcUnits is the cost in units of task ti on worker wi at distKm: travel
// plus the stability penalty when the task had another previous worker.
func (in *instance) arcUnits(ti, wi int, distKm float64) int64 {
	u := in.cost.travel(distKm)
	if in.moves(ti, wi) {
		u += in.cost.stability
	}
	return u
}

// moves reports whether giving task ti to worker wi moves it away from a
// previous worker. Worker ids are unique in a batch, so comparing indexes
// compares ids; a previous worker absent from the batch is no index.
func (in *instance) moves(ti, wi int) bool {
	t := &in.tasks[ti]
	return t.hasPrevious && int32(wi) != t.previous
}

// hasArc reports whether task ti already has worker wi as a candidate.
func hasArc(c *candidates, extra map[int][]candidate, ti int, wi int32) bool {
	has := func(cs []candidate) bool {
		return slices.ContainsFunc(cs, func(c candidate) bool { return c.worker == wi })
	}
	return has(c.of(ti)) || has(extra[ti])
}
