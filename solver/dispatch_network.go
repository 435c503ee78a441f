package solver

import "fmt"

// Network returns the dispatch as a general min-cost flow network, with the
// node numbering documented on Dispatch and this arc order:
//
//   - arcs 0..A-1 are the candidate arcs, arc a being Dispatch arc a
//     (capacity 1; lower bound 1 when pinned);
//   - then one worker→sink arc per tier, worker by worker and tier by tier
//     (capacity Units, cost Cost);
//   - then one task→sink arc per task that may be left unassigned, in task
//     order (capacity 1, cost Unassigned[t]).
//
// The dispatch must be valid (see Validate); Network does not check it.
// DispatchResult.Flow maps a solution onto these arcs.
func (d *Dispatch) Network() *Network {
	sink := d.Tasks + d.Workers
	n := NewNetwork(sink + 1)
	for t := range d.Tasks {
		n.Supply[t] = 1
	}
	n.Supply[sink] = -int64(d.Tasks)
	arcs := len(d.ArcTask)
	for _, tiers := range d.Tiers {
		arcs += len(tiers)
	}
	for _, u := range d.Unassigned {
		if u != NoLeave {
			arcs++
		}
	}
	n.Tail = make([]int32, 0, arcs)
	n.Head = make([]int32, 0, arcs)
	n.Upper = make([]int64, 0, arcs)
	n.Cost = make([]int64, 0, arcs)
	for a, t := range d.ArcTask {
		n.AddArc(int(t), d.Tasks+int(d.ArcWorker[a]), 0, 1, d.ArcCost[a])
	}
	if len(d.Pinned) > 0 {
		n.Lower = make([]int64, len(n.Tail), arcs)
		for _, a := range d.Pinned {
			n.Lower[a] = 1
		}
	}
	for w, tiers := range d.Tiers {
		for _, tr := range tiers {
			n.AddArc(d.Tasks+w, sink, 0, tr.Units, tr.Cost)
		}
	}
	for t, u := range d.Unassigned {
		if u != NoLeave {
			n.AddArc(t, sink, 0, 1, u)
		}
	}
	return n
}

// Flow maps the result onto the arcs of d.Network(): one unit on each
// task's chosen candidate arc or on its leave-unassigned arc, and each
// worker's load spread over its tiers cheapest first. Potential and
// Objective are carried over. Flow does not check the result; a result that
// does not fit d (a task on another task's arc, a load beyond capacity)
// yields a flow that Verify rejects. It panics if the slice lengths do not
// match d.
func (r *DispatchResult) Flow(d *Dispatch) *Flow {
	m := len(d.ArcTask)
	for _, tiers := range d.Tiers {
		m += len(tiers)
	}
	leave := m
	for _, u := range d.Unassigned {
		if u != NoLeave {
			m++
		}
	}
	f := &Flow{Flow: make([]int64, m), Potential: r.Potential, Objective: r.Objective, Stats: r.Stats}
	for _, a := range r.TaskArc[:d.Tasks] {
		if a >= 0 && int(a) < len(d.ArcTask) {
			f.Flow[a]++
		}
	}
	a := len(d.ArcTask)
	for w, tiers := range d.Tiers {
		fillTiers(f.Flow[a:a+len(tiers)], tiers, r.WorkerLoad[w])
		a += len(tiers)
	}
	for t, u := range d.Unassigned {
		if u != NoLeave {
			if r.TaskArc[t] < 0 {
				f.Flow[leave] = 1
			}
			leave++
		}
	}
	return f
}

// fillTiers spreads load units over tiers in order, each up to its Units,
// the remainder on the last tier (where Verify will find it over capacity).
func fillTiers(flow []int64, tiers []Tier, load int64) {
	for i, tr := range tiers {
		x := min(load, tr.Units)
		if i == len(tiers)-1 {
			x = load
		}
		flow[i] = x
		load -= x
	}
}

// VerifyDispatch proves that r is an optimal solution of d by mapping both
// onto the general network (Dispatch.Network, DispatchResult.Flow) and
// running Verify. It also checks that every task's arc belongs to that task,
// that the leave-unassigned arc exists for unassigned tasks, and that
// r.DualBound equals the verified bound. It returns the dual bound; errors
// wrap ErrInvalid (d is malformed), ErrNotOptimal (naming the task, worker,
// arc or node) or ErrOverflow.
func VerifyDispatch(d *Dispatch, r *DispatchResult) (dualBound int64, err error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	if len(r.TaskArc) != d.Tasks || len(r.WorkerLoad) != d.Workers {
		return 0, fmt.Errorf("%w: result has %d task arcs and %d worker loads; want %d and %d",
			ErrNotOptimal, len(r.TaskArc), len(r.WorkerLoad), d.Tasks, d.Workers)
	}
	for t, a := range r.TaskArc {
		switch {
		case a == -1 && d.Unassigned[t] == NoLeave:
			return 0, fmt.Errorf("%w: task %d is unassigned but must be assigned", ErrNotOptimal, t)
		case a < -1 || int(a) >= len(d.ArcTask):
			return 0, fmt.Errorf("%w: task %d uses arc %d outside -1..%d", ErrNotOptimal, t, a, len(d.ArcTask)-1)
		case a >= 0 && int(d.ArcTask[a]) != t:
			return 0, fmt.Errorf("%w: task %d uses arc %d of task %d", ErrNotOptimal, t, a, d.ArcTask[a])
		}
	}
	for w, load := range r.WorkerLoad {
		if load < 0 {
			return 0, fmt.Errorf("%w: worker %d has load %d", ErrNotOptimal, w, load)
		}
	}
	bound, err := Verify(d.Network(), r.Flow(d))
	if err != nil {
		return 0, err
	}
	if r.DualBound != bound {
		return 0, fmt.Errorf("%w: result claims dual bound %d but its potentials give %d", ErrNotOptimal, r.DualBound, bound)
	}
	return bound, nil
}
