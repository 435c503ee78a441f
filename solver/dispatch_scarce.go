package solver

import (
	"context"
	"math"
)

// scarce reports whether capacity is short: every task may be left
// unassigned and the workers' capacity, all of it, is less than the tasks
// to place. Then runScarce augments from the capacity side.
func (s *dispatchState) scarce() bool {
	var units, free int64
	for t := range s.task {
		if s.task[t].pinned {
			continue
		}
		if s.leave[t] == NoLeave {
			return false
		}
		free++
	}
	for w, c := range s.capa {
		units += c - s.load[w] // capa ≤ T+1, so no overflow
	}
	return units < free
}

// runScarce solves a dispatch whose capacity is short by successive
// shortest paths from the capacity side. It starts from the pseudo-flow in
// which every movable task is left unassigned and every worker commits all
// its capacity (out = capa, all tier arcs saturated), so that each worker
// lacks out − load units and the sink holds the surplus. The potentials
// π(t) = Unassigned[t] and π(w) = the larger of its dearest tier cost and
// every Unassigned[t] − cost(t, w) make every residual arc's reduced cost
// non-negative. Each step routes one unit from the sink to a worker that
// lacks one, along a shortest path found by a Dijkstra search backwards
// from that worker: the path either brings in a task that was left out,
// moving tasks along the way, or gives up a unit of some worker's
// capacity. With capacity short, tasks left out lie all around, so the
// searches stay small where routing tasks to the sink would scan far for
// the one to leave out. (Capacity all below the task count means no worker
// is clamped, so out never exceeds the true capacity.)
func (s *dispatchState) runScarce(ctx context.Context) error {
	T, W := s.tasks, int32(len(s.load))
	s.out = make([]int64, W)
	copy(s.out, s.capa)
	// Arcs into each worker from movable tasks: positions, and their tasks.
	s.roff = make([]int32, W+1)
	for t := range T {
		if tk := s.task[t]; !tk.pinned {
			for p := tk.lo; p < tk.hi; p++ {
				s.roff[s.arcW[p]+1]++
			}
		}
	}
	for w := range W {
		s.roff[w+1] += s.roff[w]
	}
	s.rpos = make([]int32, s.roff[W])
	s.rtask = make([]int32, s.roff[W])
	fill := make([]int32, W)
	copy(fill, s.roff[:W])
	for t := range T {
		if tk := s.task[t]; !tk.pinned {
			for p := tk.lo; p < tk.hi; p++ {
				w := s.arcW[p]
				s.rpos[fill[w]], s.rtask[fill[w]] = p, t
				fill[w]++
			}
		}
	}
	for t := range T {
		if !s.task[t].pinned {
			s.task[t].assign = taskLeaving
			s.node[t].pi = s.leave[t]
		}
	}
	for w := range W {
		pw := int64(math.MinInt64)
		if s.out[w] > 0 {
			pw = s.lastCost(w)
		}
		for i := s.roff[w]; i < s.roff[w+1]; i++ {
			pw = max(pw, s.leave[s.rtask[i]]-s.arcC[s.rpos[i]])
		}
		if pw == math.MinInt64 {
			pw = 0
		}
		s.node[T+w].pi = pw
	}
	for w := range W {
		for s.out[w] > s.load[w] {
			if err := s.fill(w); err != nil {
				return err
			}
			if s.work >= s.polls {
				if err := ctx.Err(); err != nil {
					return err
				}
				s.polls = s.work + ctxPollWork
			}
		}
	}
	// tierAt, for the record: the tier of unit load+1.
	for w := range W {
		at := s.tierOff[w]
		for at < s.tierOff[w+1] && s.tierEnd[at] <= s.load[w] {
			at++
		}
		s.tierAt[w] = at
	}
	return nil
}

// lastCost returns the cost of worker w's last committed unit; out[w] > 0.
func (s *dispatchState) lastCost(w int32) int64 {
	i := s.tierOff[w]
	for s.tierEnd[i] < s.out[w] {
		i++
	}
	return s.tierCost[i]
}

// fill routes one unit from the sink to worker w0, which lacks one, along a
// shortest path found backwards from w0, updates the potentials of the
// settled nodes (π −= D − d, distances being to w0) and augments.
func (s *dispatchState) fill(w0 int32) error {
	s.iter++
	it, T := s.iter, s.tasks
	node := s.node
	best, start := int64(math.MaxInt64), int32(-1) // start: the node the sink enters
	s.scanned = s.scanned[:0]
	v0 := T + w0
	node[v0].seen, node[v0].dist, node[v0].pred = it, 0, -1
	s.push(v0, 0)
	for len(s.heap) > 0 {
		if s.heap[0].key >= best {
			break
		}
		v := s.pop()
		dv := node[v].dist
		s.scanned = append(s.scanned, v)
		pv := node[v].pi
		if v < T { // a task on a worker, entered from that worker
			tk := &s.task[v]
			u := T + s.arcW[tk.assign]
			nu := &node[u]
			nd := dv - tk.cost - nu.pi + pv
			s.relaxTo(u, nd, v, tk.assign, it)
			continue
		}
		w := v - T
		if s.out[w] > 0 { // give up a unit of w
			if nd := dv - s.lastCost(w) + pv; nd < best {
				best, start = nd, v
			}
		}
		s.work += int64(s.roff[w+1] - s.roff[w])
		for i := s.roff[w]; i < s.roff[w+1]; i++ {
			t, p := s.rtask[i], s.rpos[i]
			switch s.task[t].assign {
			case p:
				continue // t is on w already: no residual arc
			case taskLeaving:
				// The sink is t's only way on: no need to settle t in the
				// heap; keep its least label for the potential update.
				nt := &node[t]
				nd := dv + s.arcC[p] - nt.pi + pv
				if nt.seen != it {
					nt.seen, nt.dist = it, math.MaxInt64
					s.scanned = append(s.scanned, t)
				}
				if nd < nt.dist {
					nt.dist, nt.pred, nt.pos = nd, v, p
					if c := nd - s.leave[t] + nt.pi; c < best {
						best, start = c, t
					}
				}
			default:
				s.relaxTo(t, dv+s.arcC[p]-node[t].pi+pv, v, p, it)
			}
		}
	}
	for _, e := range s.heap {
		node[e.v].hpos = -1
	}
	s.heap = s.heap[:0]
	for _, v := range s.scanned {
		if d := node[v].dist; d < best {
			node[v].pi -= best - d
		}
	}
	// Walk from the sink's entry towards w0: each node's pred is the next
	// node on the path, pos the arc position between a task and a worker.
	v := start
	if v >= T { // the sink takes back a unit of v's capacity
		s.out[v-T]--
	} else {
		s.task[v].assign = taskFree
	}
	for v != v0 {
		next := node[v].pred
		if v < T { // task v moves onto worker next
			if s.task[v].assign >= 0 {
				s.unlink(v)
				s.load[s.arcW[s.task[v].assign]]--
			}
			s.place(v, node[v].pos)
			s.load[next-T]++
		}
		v = next
	}
	return nil
}

// relaxTo offers node v the distance nd towards the target through node
// next, by the arc at position p (for an arc between a task and a worker).
func (s *dispatchState) relaxTo(v int32, nd int64, next, p int32, it uint32) {
	nv := &s.node[v]
	if nv.seen != it {
		nv.seen, nv.dist, nv.pred, nv.pos = it, nd, next, p
		s.push(v, nd)
	} else if nd < nv.dist && nv.hpos >= 0 {
		nv.dist, nv.pred, nv.pos = nd, next, p
		s.decrease(nv.hpos, nd)
	}
}
