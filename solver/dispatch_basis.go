package solver

import "sync/atomic"

// DispatchBasis is the optimal spanning tree of a dispatch solved by the
// network simplex (DispatchResult.Basis), kept so that the solve of a
// network grown from it by new candidate arcs (a pricing round) can start
// from it (DispatchStart.Basis) and pivot only on what the new arcs
// change. Its contents belong to the solver; a basis that does not fit the
// network it is offered is ignored.
//
// Until a solve starts from it, a basis also keeps the simplex's working
// arrays (about 40 bytes per arc), which the first such solve takes over
// instead of building them again; drop the result's Basis when no round
// follows, so that they are freed.
type DispatchBasis struct {
	live atomic.Pointer[liveSimplex]

	// Per node of Dispatch.Network() (tasks, workers, sink): its parent
	// in the tree (-1: the simplex's artificial root) and, when the tree
	// arc joins a worker and the sink, which of the worker's tiers it is
	// (else -1).
	parent, tier []int32
	// tierFlow is the flow on each tier arc, workers in order; tierStart
	// is the index of each worker's first tier arc in it (and the count).
	tierFlow  []int64
	tierStart []int32
}

// dispatchLayout locates the arcs of d.Network(): candidates first, then
// the tier arcs (worker by worker), then one leave arc per task that may
// stay out.
type dispatchLayout struct {
	cands, tiers int
	tierStart    []int32 // per worker, its first tier arc less cands; and the count
	leaveTask    []int32 // per leave arc, its task
	leaveArc     []int32 // per task, its leave arc's index (network numbering), or -1
}

// newDispatchLayout lays out the arcs of d.Network().
func newDispatchLayout(d *Dispatch) *dispatchLayout {
	l := &dispatchLayout{cands: len(d.ArcTask), tierStart: make([]int32, d.Workers+1), leaveArc: make([]int32, d.Tasks)}
	for w, tiers := range d.Tiers {
		l.tierStart[w+1] = l.tierStart[w] + int32(len(tiers))
	}
	l.tiers = int(l.tierStart[d.Workers])
	for t, u := range d.Unassigned {
		l.leaveArc[t] = -1
		if u != NoLeave {
			l.leaveArc[t] = int32(l.cands + l.tiers + len(l.leaveTask))
			l.leaveTask = append(l.leaveTask, int32(t))
		}
	}
	return l
}

// newDispatchBasis records the simplex tree t of d.Network(), laid out as
// lay, and the flow f on its tier arcs.
func newDispatchBasis(d *Dispatch, lay *dispatchLayout, t *simplexTree, f *Flow) *DispatchBasis {
	b := &DispatchBasis{
		parent:    t.parent,
		tier:      make([]int32, len(t.parent)),
		tierFlow:  append([]int64(nil), f.Flow[lay.cands:lay.cands+lay.tiers]...),
		tierStart: lay.tierStart,
	}
	for v, a := range t.arc {
		b.tier[v] = -1
		if i := int(a) - lay.cands; a >= 0 && i >= 0 && i < lay.tiers {
			w := v - d.Tasks // v is the worker, or the sink below it
			if v == d.Tasks+d.Workers {
				w = int(t.parent[v]) - d.Tasks
			}
			b.tier[v] = int32(i) - lay.tierStart[w]
		}
	}
	return b
}

// treeOn maps b onto the arcs of d.Network(): each tree arc is found again
// by its endpoints (a candidate by task and worker, a leave arc by task, a
// tier arc by worker and tier). It reports false when some tree arc has no
// counterpart in d.
func (b *DispatchBasis) treeOn(d *Dispatch, lay *dispatchLayout) (*simplexTree, bool) {
	T, W := d.Tasks, d.Workers
	sink := int32(T + W)
	nodes := len(b.parent)
	t := &simplexTree{parent: b.parent, arc: make([]int32, nodes)}
	isTask := func(v int32) bool { return v >= 0 && v < int32(T) }
	isWorker := func(v int32) bool { return v >= int32(T) && v < sink }
	needCand := false
	for v := range nodes {
		p, vv := b.parent[v], int32(v)
		t.arc[v] = -1
		switch {
		case p < 0:
		case (vv == sink && isWorker(p)) || (p == sink && isWorker(vv)):
			w := vv
			if vv == sink {
				w = p
			}
			k := b.tier[v]
			lo, hi := lay.tierStart[w-int32(T)], lay.tierStart[w-int32(T)+1]
			if k < 0 || lo+k >= hi {
				return nil, false
			}
			t.arc[v] = int32(lay.cands) + lo + k
		case (vv == sink && isTask(p)) || (p == sink && isTask(vv)):
			task := vv
			if vv == sink {
				task = p
			}
			if t.arc[v] = lay.leaveArc[task]; t.arc[v] < 0 {
				return nil, false
			}
		case (isTask(vv) && isWorker(p)) || (isWorker(vv) && isTask(p)):
			t.arc[v] = -2 // a candidate, found below
			needCand = true
		default:
			return nil, false
		}
	}
	if needCand {
		for a, task := range d.ArcTask {
			w := int32(T) + d.ArcWorker[a]
			if b.parent[task] == w && t.arc[task] == -2 {
				t.arc[task] = int32(a)
			}
			if b.parent[w] == task && t.arc[w] == -2 {
				t.arc[w] = int32(a)
			}
		}
		for _, a := range t.arc {
			if a == -2 {
				return nil, false
			}
		}
	}
	return t, true
}
