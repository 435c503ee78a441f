package solver

import (
	"cmp"
	"slices"
)

// DispatchMap relates a Network of dispatch shape to the Dispatch that
// AsDispatch built from it, so that a DispatchResult can be reported as a
// Flow on the network's own nodes and arcs. It holds no copy of the arcs:
// the network must not change while the map is in use.
type DispatchMap struct {
	n       *Network
	d       *Dispatch
	node    []int32 // network node → Dispatch node (task, worker or sink)
	tierArc []int32 // Dispatch tier, worker by worker → network arc
}

// AsDispatch recognises a network of exactly the dispatch shape and returns
// the equivalent Dispatch with the map back to the network, or ok false.
// The shape, after dropping arcs whose bounds are both zero:
//
//   - one node with negative supply, the sink; every other node has supply
//     1 (a task) or 0 (a worker);
//   - task→worker arcs with lower bound 0 or 1 (1 pins the task there, at
//     most once per task) and upper bound at least 1, one per pair;
//   - worker→sink arcs with lower bound 0: the worker's capacity tiers,
//     sorted here by cost (ties in arc order);
//   - at most one task→sink arc per task, lower bound 0, cost other than
//     NoLeave: the leave-unassigned arc.
//
// Tasks and workers are numbered in node order and candidate arcs keep the
// network's arc order. Any other arc, an invalid network (see Validate) or
// a value the Dispatch cannot hold gives ok false, and the network is left
// to a general solver. AsDispatch does not modify n. When the tasks are the
// first nodes and the candidate arcs one run of arcs (as in files written by
// Dispatch.Network), the Dispatch's ArcTask and ArcCost share memory with
// n.Tail and n.Cost, so neither may be modified while the other is in use.
func AsDispatch(n *Network) (*Dispatch, *DispatchMap, bool) {
	if n.Validate() != nil {
		return nil, nil, false
	}
	nodes := n.Nodes()
	const sinkKind = -1
	node := make([]int32, nodes)
	var tasks, workers int32
	sink := -1
	for v, s := range n.Supply {
		switch {
		case s == 1:
			node[v] = tasks
			tasks++
		case s == 0:
			node[v] = workers // renumbered after the tasks below
			workers++
		case s < 0 && sink < 0:
			sink = v
			node[v] = sinkKind
		default:
			return nil, nil, false
		}
	}
	if sink < 0 {
		return nil, nil, false
	}
	kind := func(v int32) int { // 0 task, 1 worker, 2 sink
		switch s := n.Supply[v]; {
		case s == 1:
			return 0
		case s == 0:
			return 1
		}
		return 2
	}
	for v, s := range n.Supply {
		if s == 0 {
			node[v] += tasks
		}
	}
	node[sink] = tasks + workers
	d := &Dispatch{Tasks: int(tasks), Workers: int(workers), Unassigned: make([]int64, tasks), Tiers: make([][]Tier, workers)}
	for t := range d.Unassigned {
		d.Unassigned[t] = NoLeave
	}
	leave := make([]bool, tasks)
	type tierArc struct {
		worker int32
		arc    int32
	}
	var tiers []tierArc
	// The candidate arcs, when they are one run of arcs, lie at first ..
	// first+candidates-1.
	candidates, first, run := 0, 0, true
	for a := range n.Arcs() {
		lo, up := n.lower(a), n.Upper[a]
		if lo == 0 && up == 0 {
			continue
		}
		switch kind(n.Tail[a])<<2 | kind(n.Head[a]) {
		case 0<<2 | 1: // task → worker
			if lo > 1 {
				return nil, nil, false
			}
			if candidates == 0 {
				first = a
			}
			run = run && a == first+candidates
			candidates++
		case 1<<2 | 2: // worker → sink
			if lo != 0 {
				return nil, nil, false
			}
			tiers = append(tiers, tierArc{node[n.Tail[a]] - tasks, int32(a)})
		case 0<<2 | 2: // task → sink
			t := node[n.Tail[a]]
			if lo != 0 || leave[t] || n.Cost[a] == NoLeave {
				return nil, nil, false
			}
			leave[t] = true
			d.Unassigned[t] = n.Cost[a]
		default:
			return nil, nil, false
		}
	}
	// When the tasks are nodes 0..T-1 and the candidates one run of arcs,
	// ArcTask and ArcCost share the network's memory instead of copying it.
	share := run && candidates > 0
	for v := range int(tasks) {
		share = share && n.Supply[v] == 1
	}
	if share {
		d.ArcTask = n.Tail[first : first+candidates : first+candidates]
		d.ArcCost = n.Cost[first : first+candidates : first+candidates]
	} else {
		d.ArcTask = make([]int32, 0, candidates)
		d.ArcCost = make([]int64, 0, candidates)
	}
	d.ArcWorker = make([]int32, 0, candidates)
	pinned := make([]bool, tasks)
	for a := range n.Arcs() {
		if n.Upper[a] == 0 || kind(n.Tail[a]) != 0 || kind(n.Head[a]) != 1 {
			continue
		}
		t := node[n.Tail[a]]
		if n.lower(a) == 1 {
			if pinned[t] {
				return nil, nil, false
			}
			pinned[t] = true
			d.Pinned = append(d.Pinned, int32(len(d.ArcWorker)))
		}
		if !share {
			d.ArcTask = append(d.ArcTask, t)
			d.ArcCost = append(d.ArcCost, n.Cost[a])
		}
		d.ArcWorker = append(d.ArcWorker, node[n.Head[a]]-tasks)
	}
	slices.SortStableFunc(tiers, func(x, y tierArc) int {
		return cmp.Or(cmp.Compare(x.worker, y.worker), cmp.Compare(n.Cost[x.arc], n.Cost[y.arc]))
	})
	m := &DispatchMap{n: n, d: d, node: node, tierArc: make([]int32, len(tiers))}
	for i, ta := range tiers {
		d.Tiers[ta.worker] = append(d.Tiers[ta.worker], Tier{Units: n.Upper[ta.arc], Cost: n.Cost[ta.arc]})
		m.tierArc[i] = ta.arc
	}
	if d.Validate() != nil { // duplicate pairs, or costs beyond the overflow bound
		return nil, nil, false
	}
	return d, m, true
}

// Node returns the network node of Dispatch node v (task v, worker v − T or
// the sink T + W, as numbered on Dispatch), for reporting in the network's
// terms; -1 if v is out of range. It takes time linear in the nodes and is
// meant for messages, such as the task named by an ErrInfeasible.
func (m *DispatchMap) Node(v int) int {
	for u, x := range m.node {
		if int(x) == v {
			return u
		}
	}
	return -1
}

// Flow reports r, a result for the Dispatch that AsDispatch returned, as a
// flow on the network's arcs with potentials on its nodes; Verify accepts it
// exactly when VerifyDispatch accepts r. Each worker's load is spread over
// its tier arcs cheapest first. Flow panics if r's slices do not fit the
// Dispatch.
func (m *DispatchMap) Flow(r *DispatchResult) *Flow {
	n, d := m.n, m.d
	f := &Flow{
		Flow:      make([]int64, n.Arcs()),
		Potential: make([]int64, n.Nodes()),
		Objective: r.Objective,
		Stats:     r.Stats,
	}
	for v, x := range m.node {
		f.Potential[v] = r.Potential[x]
	}
	T, sink := int32(d.Tasks), int32(d.Tasks+d.Workers)
	cand := int32(0)
	for a := range n.Arcs() {
		if n.Upper[a] == 0 {
			continue
		}
		t, h := m.node[n.Tail[a]], m.node[n.Head[a]]
		switch {
		case t >= T: // a tier arc, below
		case h < sink: // task → worker: Dispatch arc cand
			if r.TaskArc[t] == cand {
				f.Flow[a] = 1
			}
			cand++
		case r.TaskArc[t] < 0: // task → sink
			f.Flow[a] = 1
		}
	}
	flat := make([]int64, 0, len(m.tierArc))
	for w, tiers := range d.Tiers {
		i := len(flat)
		flat = flat[:i+len(tiers)]
		fillTiers(flat[i:], tiers, r.WorkerLoad[w])
	}
	for i, a := range m.tierArc {
		f.Flow[a] = flat[i]
	}
	return f
}
