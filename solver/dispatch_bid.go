package solver

import (
	"math"
)

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
			s.markLeaving(t)
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
