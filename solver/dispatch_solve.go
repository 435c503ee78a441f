package solver

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
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
// rest by short searches in their neighbourhood; nothing is global. On the
// benchmark shape of scripts/bench-dispatch this runs several times faster
// than LEMON's block-search network simplex (see the README for figures).
// A plain successive shortest path version (no auction, no renumbering,
// no lazy scans) took about 6 times the CPU at 100k tasks, and LEMON's cost
// scaling took 4 times as long as its network simplex there.
//
// Where it is weak: networks of the shape package model builds (a metro
// cut into regions, skills, balance tiers 0 / 2 000 / 10 000 per task at
// 50 % / 80 % utilisation, capacity about 1.05 times the tasks; see
// dispatchgen.GenerateMetro). The free tier holds about half the demand
// and the spare units lie far from where tasks crowd, so augmenting paths
// cross a region (some 20 worker hops) and bids rarely finish a task: on
// the 10k-task plan of `paidan gen dispatch` two thirds of the tasks need
// a search (6 426 searches labelling 1 438 nodes on average; 1.0 s against
// LEMON's network simplex 0.22 s and cost scaling 0.31 s; at 100k tasks
// 50 s of CPU against 40 s and 56 s). Measured there and rejected:
// primal-dual phases, one Dijkstra search from all free tasks followed by
// augmentations along admissible arcs (AMO §9.8), 7.0 s, as distances grow
// by a few units per phase and each phase places 1–20 tasks; the
// capacity-side solve, 6.4 s; shifting all potentials by the distances to
// the sink after every n labelled nodes, with ties broken towards the
// sink, 1.7 s, as the long ways go stale after each augmentation; the same
// shift followed by augmentations along admissible arcs from every task
// the bids left, round after round, 3.3 s (585 rounds placing 150 tasks
// each at first, 5 at the end), or 1.3 s when searches take over once a
// round places few; bid
// chains of 2 or 32 steps instead of 8, and other task orders (stride,
// largest regret first, cheapest first): no change beyond noise.
//
// Determinism: searches settle nodes in order of distance and equal
// distances in the order the 4-ary heap yields them; bids take the first
// cheapest option in arc order, preferring a worker with a free unit at
// zero reduced cost, and leave only when leaving is strictly cheaper or
// ties with a worker without one; evictions take the first task of least
// margin in the worker's list (the most recently placed first). Tasks are
// placed, and in the capacity-side solve workers filled, in the internal
// order. All of it depends only on d, so the same input gives the same
// output.
//
// Errors: ErrInvalid or ErrOverflow from Validate (its bound keeps every
// potential, distance and sum within int64); ErrInfeasible when pins exceed
// a worker's capacity or a task that must be assigned cannot be, naming the
// task and the full workers it can reach; the context's error, wrapped, when
// ctx is cancelled (polled every ctxPollWork arc scans, a few milliseconds).
// SolveDispatch does not modify d and is safe to call concurrently on the
// same d.
func SolveDispatch(ctx context.Context, d *Dispatch) (*DispatchResult, error) {
	off, order, err := d.validate()
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
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

// dispatchState is the residual network of a dispatch during successive
// shortest paths. Node numbering is that of Dispatch: tasks, workers, sink.
type dispatchState struct {
	d     *Dispatch
	tasks int32

	// Tasks and workers are renumbered for locality (see localityOrder);
	// taskOld and workerOld map the solver's numbers back to d's.
	taskOld, workerOld []int32
	dOff, dOrder       []int32 // d's arcs grouped by task (byTask)

	// Candidate arcs grouped by task in the solver's order, so that the
	// arcs of neighbouring tasks share cache lines: task t's arcs are at
	// positions task[t].lo .. task[t].hi-1 of arcW (worker) and arcC.
	arcW  []int32
	arcC  []int64
	leave []int64 // per task: Unassigned

	// Worker capacity as flat tiers: worker w owns tiers tierOff[w] ..
	// tierOff[w+1]-1, tierEnd the cumulative units (clamped to the task
	// count plus one) and tierCost the unit cost.
	tierOff  []int32
	tierEnd  []int64
	tierCost []int64
	tierAt   []int32 // per worker: the tier of unit load+1
	capa     []int64 // per worker: total capacity, clamped to tasks+1
	load     []int64
	first    []int32 // per worker: first movable task assigned to it, or -1

	// For runScarce only: committed units per worker, and the arcs into
	// each worker from movable tasks (positions rpos and their tasks
	// rtask at roff[w] .. roff[w+1]-1).
	out         []int64
	roff        []int32
	rpos, rtask []int32

	node    []dnode // per node: potential and search labels
	task    []dtask // per task: assignment
	heap    []hentry
	scanned []int32
	// A warm start (see warm) leaves holes: hole[w] units of worker w are
	// used but no task fills them (nil in a cold start). sinkDef is how
	// many units the sink still lacks; paths end at the sink only while
	// it is positive.
	hole    []int32
	sinkDef int64

	algorithm string // for Stats: "ssp-dispatch", "ssp-dispatch-scarce" or "ssp-dispatch-warm"
	iter      uint32 // shortest path searches
	steps     int64  // auction steps
	work      int64  // arcs scanned, for context polling
	polls     int64  // work at which to poll the context next
}

// dnode holds a node's potential and its labels in the current search,
// together so that a relaxation touches one cache line. pi of the sink
// stays 0.
type dnode struct {
	pi   int64
	dist int64  // valid when seen is the current search
	seen uint32 // the search that last labelled the node
	hpos int32  // index in the heap, or -1
	pred int32  // predecessor in the search tree
	pos  int32  // for a worker: the arc position it was reached by
}

// dtask is a task's assignment. Movable assigned tasks are linked per
// worker (next, prev); pinned tasks are counted in the load but not linked,
// so that no search moves them.
type dtask struct {
	cost       int64  // cost of the assigned arc
	alt        int64  // a lower bound on its best other option (see bid)
	fresh      uint32 // the search in which alt was last made exact
	assign     int32  // position of the assigned arc, taskFree or taskLeaving
	next, prev int32
	lo, hi     int32 // positions of the task's arcs
	pinned     bool
}

// hentry is a heap entry: a node with its distance label as key.
type hentry struct {
	key int64
	v   int32
}

func newDispatchState(d *Dispatch, off, order []int32) (*dispatchState, error) {
	T, W := d.Tasks, d.Workers
	s := &dispatchState{d: d, tasks: int32(T), dOff: off, dOrder: order, sinkDef: int64(T)}
	s.taskOld, s.workerOld = d.localityOrder(off, order)
	workerNew := make([]int32, W)
	for w, old := range s.workerOld {
		workerNew[old] = int32(w)
	}
	s.arcW = make([]int32, len(d.ArcTask))
	s.arcC = make([]int64, len(d.ArcTask))
	s.task = make([]dtask, T)
	s.leave = make([]int64, T)
	p := int32(0)
	for t, old := range s.taskOld {
		s.task[t] = dtask{assign: taskFree, lo: p}
		for q := off[old]; q < off[old+1]; q++ {
			a := arcAt(order, q)
			s.arcW[p], s.arcC[p] = workerNew[d.ArcWorker[a]], d.ArcCost[a]
			p++
		}
		s.task[t].hi = p
		s.leave[t] = d.Unassigned[old]
	}
	s.tierOff = make([]int32, W+1)
	for w, old := range s.workerOld {
		s.tierOff[w+1] = s.tierOff[w] + int32(len(d.Tiers[old]))
	}
	s.tierEnd = make([]int64, s.tierOff[W])
	s.tierCost = make([]int64, s.tierOff[W])
	s.capa = make([]int64, W)
	for w, old := range s.workerOld {
		var end int64
		for i, tr := range d.Tiers[old] {
			// Clamped to T+1: a worker that can take every task never
			// fills, and the sum cannot overflow.
			end = min(end+tr.Units, int64(T)+1)
			s.tierEnd[int(s.tierOff[w])+i] = end
			s.tierCost[int(s.tierOff[w])+i] = tr.Cost
		}
		s.capa[w] = end
	}
	s.tierAt = make([]int32, W)
	copy(s.tierAt, s.tierOff[:W])
	s.load = make([]int64, W)
	s.first = make([]int32, W)
	for w := range s.first {
		s.first[w] = -1
	}
	if err := s.pin(); err != nil {
		return nil, err
	}
	s.node = make([]dnode, T+W+1)
	for v := range s.node {
		s.node[v].hpos = -1
	}
	for w := range W {
		switch {
		case s.load[w] < s.capa[w]:
			s.node[T+w].pi = s.tierCost[s.tierAt[w]]
		case s.load[w] > 0:
			s.node[T+w].pi = s.tierCost[s.tierAt[w]-1]
		}
	}
	return s, nil
}

// worker returns the worker of the arc at position p.
func (s *dispatchState) worker(p int32) int32 {
	return s.arcW[p]
}

// dArc returns d's arc at position p of task t.
func (s *dispatchState) dArc(t, p int32) int32 {
	return arcAt(s.dOrder, s.dOff[s.taskOld[t]]+p-s.task[t].lo)
}

// pin places the pinned tasks and reports workers pinned beyond capacity.
func (s *dispatchState) pin() error {
	d := s.d
	if len(d.Pinned) == 0 {
		return nil
	}
	taskNew := make([]int32, d.Tasks)
	for t, old := range s.taskOld {
		taskNew[old] = int32(t)
	}
	for _, a := range d.Pinned {
		t := taskNew[d.ArcTask[a]]
		p := s.task[t].lo
		for s.dArc(t, p) != a {
			p++
		}
		s.task[t].cost, s.task[t].assign, s.task[t].pinned = s.arcC[p], p, true
		s.load[s.worker(p)]++
	}
	var short []string
	for w, l := range s.load {
		if l > s.capa[w] {
			short = append(short, fmt.Sprintf("worker %d has %d pinned tasks but capacity %d", s.workerOld[w], l, s.capa[w]))
		}
		for l > 0 && s.tierAt[w] < s.tierOff[w+1] && s.tierEnd[s.tierAt[w]] <= l {
			s.tierAt[w]++
		}
	}
	if len(short) > 0 {
		slices.Sort(short)
		return fmt.Errorf("%w: %s", ErrInfeasible, strings.Join(short, "; "))
	}
	return nil
}

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
	}
	return nil
}

// maxChain bounds the auction steps of one chain; ties can make a chain
// cycle, and the shortest path search then finishes the task.
const maxChain = 8

// bidStuck is bid's answer when it cannot place the task.
const bidStuck = -2

// bid places free task t by one auction step with ε = 0, in the manner of
// Jonker and Volgenant's augmenting row reduction (Computing 38, 1987) and
// Bertsekas' auction (Annals of OR 14, 1988) for workers of many units.
// With v1 and v2 the least and second least cost-plus-potential over t's
// options, and w the worker of v1, it raises π(w) by
//
//	δ = min(v2 − v1, next(w) − π(w), least margin of a task at w),
//
// the margin of a task being how far its own option lies below its best
// alternative (alt, a lower bound since potentials only rise). Then t takes
// w: either w's next unit (when δ reached it) or the slot of the task of
// least margin, which becomes free and is returned. Every residual arc
// keeps a non-negative reduced cost, so bid and route can alternate. It
// returns -1 when the chain ends (t took a unit or left) and bidStuck when
// no step applies. In a warm start (see warm) a hole at w ends the chain
// as a free unit does, and while the sink lacks no unit neither w's next
// unit nor the leave arc can end it.
func (s *dispatchState) bid(t int32) int32 {
	T, node := s.tasks, s.node
	const inf = int64(math.MaxInt64)
	v1, v2, p1, open1 := inf, inf, int32(-1), false
	lo, hi := s.task[t].lo, s.task[t].hi
	s.work += int64(hi - lo)
	for p := lo; p < hi; p++ {
		w := s.worker(p)
		pw := node[T+w].pi
		v := s.arcC[p] + pw
		switch {
		case v < v1:
			v1, v2, p1, open1 = v, v1, p, s.open(w, pw)
		case v == v1 && !open1 && s.open(w, pw):
			v2, p1, open1 = v1, p, true
		case v < v2:
			v2 = v
		}
	}
	ps := node[len(node)-1].pi
	if lc := s.leave[t]; lc != NoLeave {
		lc += ps
		if s.sinkDef > 0 && (lc < v1 || (lc == v1 && !open1)) {
			node[t].pi = lc
			s.task[t].assign = taskLeaving
			s.task[t].alt = v1
			s.sinkDef--
			return -1
		}
		if lc < v1 {
			return bidStuck // leaving is best but the sink lacks no unit
		}
		v2 = min(v2, lc)
	}
	if p1 < 0 {
		return bidStuck
	}
	w := s.worker(p1)
	pw := node[T+w].pi
	delta := inf
	if v2 != inf {
		delta = v2 - v1
	}
	// unitMargin bounds the rise of π(w) by its next unit's reduced cost;
	// sinkMargin is the rise at which t can end at w: at once into a hole,
	// or at the next unit while the sink lacks units.
	unitMargin, sinkMargin := inf, inf
	if s.load[w] < s.capa[w] {
		unitMargin = s.tierCost[s.tierAt[w]] + ps - pw
		if s.sinkDef > 0 {
			sinkMargin = unitMargin
		}
	}
	if s.hole != nil && s.hole[w] > 0 {
		sinkMargin = 0
	}
	delta = min(delta, unitMargin)
	// The task at w of least margin below sinkMargin, if any.
	out, outMargin := int32(-1), sinkMargin
	for h := s.first[w]; h >= 0; h = s.task[h].next {
		tk := &s.task[h]
		if tk.alt == inf || tk.alt-tk.cost-pw >= outMargin {
			continue
		}
		// alt may be stale (too low): refresh it before trusting it.
		s.work += int64(tk.hi - tk.lo)
		tk.alt = s.bestValue(h, tk.assign)
		if m := tk.alt - tk.cost - pw; tk.alt != inf && m < outMargin {
			out, outMargin = h, m
		}
	}
	delta = min(delta, outMargin) // outMargin ≤ sinkMargin
	if delta == inf || (out < 0 && delta < sinkMargin) {
		return bidStuck
	}
	if delta > 0 {
		pw += delta
		node[T+w].pi = pw
		for h := s.first[w]; h >= 0; h = s.task[h].next {
			node[h].pi = max(node[h].pi, s.task[h].cost+pw)
		}
	}
	node[t].pi = v1 + delta
	s.place(t, p1)
	s.task[t].alt = v2
	if out < 0 { // δ reached a hole at w or w's next unit
		if s.hole != nil && s.hole[w] > 0 {
			s.hole[w]--
		} else {
			s.grow(w)
			s.sinkDef--
		}
		return -1
	}
	s.unlink(out)
	s.task[out].assign = taskFree
	return out
}

// open reports whether a task can end at worker w, at potential pw, at no
// cost: in a hole, or at a next unit of zero reduced cost while the sink
// lacks units.
func (s *dispatchState) open(w int32, pw int64) bool {
	if s.hole != nil && s.hole[w] > 0 {
		return true
	}
	return s.sinkDef > 0 && s.load[w] < s.capa[w] && s.tierCost[s.tierAt[w]]+s.node[len(s.node)-1].pi == pw
}

// route finds a shortest path from free task src to a node that lacks a
// unit (the sink, or in a warm start a worker with a hole), updates the
// potentials of the settled nodes and augments one unit along the path.
//
// The search is Dijkstra's with one economy. A task held by a worker has
// a single incoming residual arc, from that worker, so its distance is
// final when the worker is settled; what costs is scanning its arcs. Each
// task therefore enters the heap keyed not by its distance d but by a lower
// bound on the labels its arcs can give, d + max(0, alt − π), and a task
// whose best alternative lies beyond the path found is never scanned.
// Since potentials only rise, alt goes stale (too low) between searches;
// a task popped is first given its true alt (once per search: potentials
// do not move during one) and, when that puts its key higher, goes back
// into the heap instead of relaxing its arcs. On the network of a
// 100k-task plan (package model, balance tiers) that cut the solve's CPU
// time from 62 s to 44 s; at 10k tasks by 4 %. The source enters with key
// 0.
//
// While the sink lacks no unit (a warm start whose freed tasks left holes
// at workers, see warm), the sink is an ordinary node of the search: paths
// may enter it through a worker's next unit or a leave arc and leave it
// through a worker's last used unit (the worker gives it up) or the leave
// arc of a task left out (the task comes back).
func (s *dispatchState) route(src int32) error {
	s.iter++
	it, T := s.iter, s.tasks
	node := s.node
	sink := int32(len(node) - 1)
	ps := node[sink].pi
	open := s.sinkDef > 0 // a path may end at the sink
	if v := s.bestValue(src, -1); v != math.MaxInt64 {
		node[src].pi = v // any potential at most every option's is valid
	}
	best, end := int64(math.MaxInt64), int32(-1)
	// toSink offers the sink label nd from node u: an end when the sink
	// lacks units, else a relaxation.
	toSink := func(nd int64, u int32) {
		switch ns := &node[sink]; {
		case open:
			if nd < best {
				best, end = nd, u
			}
		case ns.seen != it:
			ns.seen, ns.dist, ns.pred = it, nd, u
			s.push(sink, nd)
		case nd < ns.dist && ns.hpos >= 0:
			ns.dist, ns.pred = nd, u
			s.decrease(ns.hpos, nd)
		}
	}
	s.scanned = append(s.scanned[:0], src)
	node[src].seen, node[src].dist, node[src].pred = it, 0, -1
	s.push(src, 0)
	for len(s.heap) > 0 {
		if s.heap[0].key >= best {
			break
		}
		key := s.heap[0].key
		u := s.pop()
		du := node[u].dist
		if u < T { // scan the task's arcs
			pu := node[u].pi
			tk := &s.task[u]
			if tk.assign != taskFree {
				// Its alt may be stale (too low): refresh it, and put the
				// task back if its arcs lie farther than its key said.
				if tk.fresh != it {
					s.work += int64(tk.hi - tk.lo)
					tk.alt, tk.fresh = s.bestValue(u, tk.assign), it
				}
				if tk.alt == math.MaxInt64 {
					continue
				}
				if k := du + max(0, tk.alt-pu); k > key {
					if k < best {
						s.push(u, k)
					}
					continue
				}
			}
			if lc := s.leave[u]; lc != NoLeave && tk.assign != taskLeaving {
				toSink(du+lc+ps-pu, u)
			}
			own, lo, hi := tk.assign, tk.lo, tk.hi
			s.work += int64(hi - lo)
			base := du - pu
			for p := lo; p < hi; p++ {
				if p == own {
					continue
				}
				v := T + s.arcW[p]
				nv := &node[v]
				nd := base + s.arcC[p] + nv.pi
				if nv.seen != it {
					nv.seen, nv.dist, nv.pred, nv.pos = it, nd, u, p
					s.push(v, nd)
				} else if nd < nv.dist && nv.hpos >= 0 {
					nv.dist, nv.pred, nv.pos = nd, u, p
					s.decrease(nv.hpos, nd)
				}
			}
			continue
		}
		s.scanned = append(s.scanned, u) // a worker or the sink, settled
		if u == sink {
			s.scanSink(du, it)
			continue
		}
		w := u - T
		base := du - node[u].pi
		switch {
		case s.hole != nil && s.hole[w] > 0:
			if du < best {
				best, end = du, u
			}
		case s.load[w] < s.capa[w]:
			toSink(base+s.tierCost[s.tierAt[w]]+ps, u)
		}
		s.reachTasks(w, base, u, it)
	}
	for _, e := range s.heap {
		node[e.v].hpos = -1
	}
	s.heap = s.heap[:0]
	if end < 0 {
		return s.infeasible(src, it)
	}
	for _, v := range s.scanned {
		if d := node[v].dist; d < best {
			node[v].pi += best - d
		}
	}
	s.augment(end)
	return nil
}

// reachTasks labels the movable tasks held by worker w, settled at node u
// with du − π(u) = base: each has its one incoming arc from w, so its
// distance is final; it enters the heap keyed by the lower bound on what
// its arcs can give (see route).
func (s *dispatchState) reachTasks(w int32, base int64, u int32, it uint32) {
	node := s.node
	for t := s.first[w]; t >= 0; t = s.task[t].next {
		s.work++
		nt, tk := &node[t], &s.task[t]
		nd := base - tk.cost + nt.pi
		nt.seen, nt.dist, nt.pred = it, nd, u
		// Settled; a task with no other option is never scanned.
		s.scanned = append(s.scanned, t)
		if tk.alt != math.MaxInt64 {
			s.push(t, nd+max(0, tk.alt-nt.pi))
		}
	}
}

// scanSink relaxes the sink's residual arcs, settled at distance ds: to
// each worker with a used unit (reverse of its last unit) and to each task
// left out (reverse of its leave arc).
func (s *dispatchState) scanSink(ds int64, it uint32) {
	T, node := s.tasks, s.node
	sink := int32(len(node) - 1)
	ps := node[sink].pi
	s.work += int64(len(s.load)) + int64(T)
	for w := range int32(len(s.load)) {
		if s.load[w] == 0 {
			continue
		}
		v := T + w
		nv := &node[v]
		nd := ds + nv.pi - s.usedCost(w) - ps
		if nv.seen != it {
			nv.seen, nv.dist, nv.pred, nv.pos = it, nd, sink, -1
			s.push(v, nd)
		} else if nd < nv.dist && nv.hpos >= 0 {
			nv.dist, nv.pred, nv.pos = nd, sink, -1
			s.decrease(nv.hpos, nd)
		}
	}
	for t := range T {
		tk := &s.task[t]
		if tk.assign != taskLeaving {
			continue
		}
		nt := &node[t]
		nd := ds + nt.pi - s.leave[t] - ps
		nt.seen, nt.dist, nt.pred = it, nd, sink
		s.scanned = append(s.scanned, t)
		if tk.alt != math.MaxInt64 {
			s.push(t, nd+max(0, tk.alt-nt.pi))
		}
	}
}

// augment sends one unit along the search tree path ending at end: a
// task whose leave arc, or a worker whose next unit or hole, closed it.
func (s *dispatchState) augment(end int32) {
	T := s.tasks
	sink := int32(len(s.node) - 1)
	x := end
	switch {
	case end < T: // the path ends on a leave-unassigned arc
		s.leaveTask(end)
		s.sinkDef--
		x = s.node[end].pred
	case s.hole != nil && s.hole[end-T] > 0:
		s.hole[end-T]--
	default:
		s.grow(end - T)
		s.sinkDef--
	}
	for x >= 0 {
		pr := s.node[x].pred
		switch {
		case x == sink: // entered by a worker's next unit or a leave arc
			if pr >= T {
				s.grow(pr - T)
				x = pr
			} else {
				s.leaveTask(pr)
				x = s.node[pr].pred
			}
		case pr == sink: // x gives up its last used unit
			s.release(x - T)
			x = sink
		default: // x is a worker; move the task it was reached from onto it
			t, p := pr, s.node[x].pos
			x = s.node[t].pred
			if s.task[t].assign >= 0 {
				s.unlink(t)
			}
			s.place(t, p)
			s.task[t].alt = s.bestValue(t, p)
		}
	}
}

// leaveTask puts task t on its leave-unassigned arc.
func (s *dispatchState) leaveTask(t int32) {
	if s.task[t].assign >= 0 {
		s.unlink(t)
	}
	s.task[t].assign = taskLeaving
	s.task[t].alt = s.bestValue(t, taskLeaving)
}

// bestValue returns the least cost-plus-potential over task t's options
// other than the arc at position skip (taskLeaving: other than its leave
// arc): its candidate arcs and its leave arc; math.MaxInt64 when there is
// none.
func (s *dispatchState) bestValue(t, skip int32) int64 {
	T := s.tasks
	v := int64(math.MaxInt64)
	if lc := s.leave[t]; lc != NoLeave && skip != taskLeaving {
		v = lc + s.node[len(s.node)-1].pi
	}
	for p := s.task[t].lo; p < s.task[t].hi; p++ {
		if p != skip {
			v = min(v, s.arcC[p]+s.node[T+s.worker(p)].pi)
		}
	}
	return v
}

// place assigns task t to the arc at position p and links it to the worker.
func (s *dispatchState) place(t, p int32) {
	w := s.worker(p)
	tk := &s.task[t]
	tk.cost, tk.assign = s.arcC[p], p
	tk.prev, tk.next = -1, s.first[w]
	if s.first[w] >= 0 {
		s.task[s.first[w]].prev = t
	}
	s.first[w] = t
}

// grow adds a unit to worker w's load and moves its tier pointer (tierAt
// is the tier of unit load+1). Loads shrink only in a warm start (release).
func (s *dispatchState) grow(w int32) {
	s.load[w]++
	if s.tierEnd[s.tierAt[w]] <= s.load[w] {
		s.tierAt[w]++
	}
}

// release gives up worker w's last used unit.
func (s *dispatchState) release(w int32) {
	s.load[w]--
	for s.tierAt[w] > s.tierOff[w] && s.tierEnd[s.tierAt[w]-1] > s.load[w] {
		s.tierAt[w]--
	}
}

// usedCost returns the cost of worker w's last used unit (load > 0).
func (s *dispatchState) usedCost(w int32) int64 {
	i := s.tierAt[w]
	if i > s.tierOff[w] && s.tierEnd[i-1] >= s.load[w] {
		i--
	}
	return s.tierCost[i]
}

// unlink removes assigned task t from its worker's list.
func (s *dispatchState) unlink(t int32) {
	tk := &s.task[t]
	if tk.prev >= 0 {
		s.task[tk.prev].next = tk.next
	} else {
		s.first[s.worker(tk.assign)] = tk.next
	}
	if tk.next >= 0 {
		s.task[tk.next].prev = tk.prev
	}
}

// infeasible describes why task src, which must be assigned, cannot be: the
// workers reachable from it are full of tasks that cannot move elsewhere.
func (s *dispatchState) infeasible(src int32, it uint32) error {
	T := s.tasks
	var reached []int32
	var capa int64
	for w := range int32(len(s.load)) {
		if s.node[T+w].seen == it {
			capa += s.capa[w]
			reached = append(reached, s.workerOld[w])
		}
	}
	task := s.taskOld[src]
	if len(reached) == 0 {
		return fmt.Errorf("%w: task %d must be assigned but has no candidate worker", ErrInfeasible, task)
	}
	slices.Sort(reached)
	var names []string
	for i, w := range reached {
		if i == 10 {
			names = append(names, "...")
			break
		}
		names = append(names, fmt.Sprint(w))
	}
	return fmt.Errorf("%w: task %d must be assigned but the workers it can reach (%s; capacity %d in all) are full with tasks that cannot move",
		ErrInfeasible, task, strings.Join(names, ", "), capa)
}

// result reads the solution in d's numbering, fixes the pinned tasks'
// potentials and computes the objective and the dual bound.
func (s *dispatchState) result() (*DispatchResult, error) {
	d, T := s.d, s.tasks
	r := &DispatchResult{
		TaskArc:    make([]int32, T),
		WorkerLoad: make([]int64, d.Workers),
		Potential:  make([]int64, len(s.node)),
		Stats: Stats{
			Algorithm:  s.algorithm,
			Nodes:      len(s.node),
			Arcs:       len(d.ArcTask) + int(s.tierOff[d.Workers]),
			Iterations: s.steps + int64(s.iter),
		},
	}
	var obj int64
	for t, old := range s.taskOld {
		r.Potential[old] = s.node[t].pi
		tk := s.task[t]
		if tk.assign < 0 {
			r.TaskArc[old] = -1
			obj += s.leave[t]
			continue
		}
		r.TaskArc[old] = s.dArc(int32(t), tk.assign)
		obj += tk.cost
		if tk.pinned {
			r.Potential[old] = s.pinnedPotential(int32(t))
		}
	}
	for w, old := range s.workerOld {
		r.Potential[d.Tasks+int(old)] = s.node[int(T)+w].pi
		r.WorkerLoad[old] = s.load[w]
	}
	for _, u := range d.Unassigned {
		if u != NoLeave {
			r.Stats.Arcs++
		}
	}
	for w, tiers := range d.Tiers {
		load := r.WorkerLoad[w]
		for _, tr := range tiers {
			x := min(load, tr.Units)
			obj += x * tr.Cost
			load -= x
		}
	}
	r.Objective = obj
	// A warm start's searches may move the sink's potential; the result
	// is shifted back so that it is 0, as documented.
	if ps := s.node[len(s.node)-1].pi; ps != 0 {
		for v := range r.Potential[:len(r.Potential)-1] {
			r.Potential[v] -= ps
		}
	}
	bound, ok := dispatchDual(d, r)
	if !ok {
		return nil, fmt.Errorf("%w: dual bound", ErrOverflow)
	}
	r.DualBound = bound
	return r, nil
}

// pinnedPotential returns a potential for pinned task t under which its
// other arcs have non-negative reduced cost: the least cost-plus-potential
// among them, or that of its pinned arc when it has no other.
func (s *dispatchState) pinnedPotential(t int32) int64 {
	own := s.task[t].assign
	if v := s.bestValue(t, own); v != math.MaxInt64 {
		return v
	}
	return s.arcC[own] + s.node[s.tasks+s.worker(own)].pi
}

// dispatchDual returns the dual objective of r.Potential on d.Network():
// Σ supply·π plus, per arc, its reduced cost times its upper bound when
// negative or its lower bound when positive.
func dispatchDual(d *Dispatch, r *DispatchResult) (int64, bool) {
	T, pi := d.Tasks, r.Potential
	sink := T + d.Workers
	var dual acc
	for t := range T {
		dual.addProduct(1, pi[t])
	}
	dual.addProduct(-int64(T), pi[sink])
	pinned := make(map[int32]bool, len(d.Pinned))
	for _, a := range d.Pinned {
		pinned[a] = true
	}
	for a, t := range d.ArcTask {
		rc := d.ArcCost[a] - pi[t] + pi[T+int(d.ArcWorker[a])]
		if rc < 0 || (rc > 0 && pinned[int32(a)]) {
			dual.addProduct(1, rc)
		}
	}
	for w, tiers := range d.Tiers {
		for _, tr := range tiers {
			if rc := tr.Cost - pi[T+w] + pi[sink]; rc < 0 {
				dual.addProduct(tr.Units, rc)
			}
		}
	}
	for t, u := range d.Unassigned {
		if u == NoLeave {
			continue
		}
		if rc := u - pi[t] + pi[sink]; rc < 0 {
			dual.addProduct(1, rc)
		}
	}
	return dual.int64()
}

// push inserts node v with key k into the heap.
func (s *dispatchState) push(v int32, k int64) {
	s.heap = append(s.heap, hentry{k, v})
	s.up(int32(len(s.heap)-1), hentry{k, v})
}

// decrease lowers the key of the entry at heap index i to k.
func (s *dispatchState) decrease(i int32, k int64) {
	s.up(i, hentry{k, s.heap[i].v})
}

// pop removes and returns the node of least key.
func (s *dispatchState) pop() int32 {
	h := s.heap
	v := h[0].v
	s.node[v].hpos = -1
	last := h[len(h)-1]
	s.heap = h[:len(h)-1]
	if len(s.heap) > 0 {
		s.down(last)
	}
	return v
}

// up moves entry e, destined for index i, towards the root.
func (s *dispatchState) up(i int32, e hentry) {
	h := s.heap
	for i > 0 {
		p := (i - 1) / 4
		if h[p].key <= e.key {
			break
		}
		h[i] = h[p]
		s.node[h[i].v].hpos = i
		i = p
	}
	h[i] = e
	s.node[e.v].hpos = i
}

// down places entry e at the root and sifts it down.
func (s *dispatchState) down(e hentry) {
	h := s.heap
	n := int32(len(h))
	i := int32(0)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m, km := c, h[c].key
		for j := c + 1; j < min(c+4, n); j++ {
			if h[j].key < km {
				m, km = j, h[j].key
			}
		}
		if km >= e.key {
			break
		}
		h[i] = h[m]
		s.node[h[i].v].hpos = i
		i = m
	}
	h[i] = e
	s.node[e.v].hpos = i
}
