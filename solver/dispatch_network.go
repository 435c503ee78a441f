package solver

import (
	"fmt"
	"slices"
)

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

// VerifyDispatch proves that r is an optimal solution of d. It checks what
// Verify checks on the general network (Dispatch.Network) carrying r's flow
// (DispatchResult.Flow), arc by arc in the same terms, without building
// either: memory a fresh process must fault in, on every pricing round of a
// plan (README, solver notes). A property test holds the two to the same
// verdict and bound. It also checks that every task's arc belongs to that
// task, that the leave-unassigned arc exists for unassigned tasks, and that
// r.DualBound equals the verified bound. It returns the dual bound; errors
// wrap ErrInvalid (d is malformed), ErrNotOptimal (naming the task, worker,
// arc or node) or ErrOverflow.
func VerifyDispatch(d *Dispatch, r *DispatchResult) (dualBound int64, err error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	T, W := d.Tasks, d.Workers
	sink := T + W
	if len(r.TaskArc) != T || len(r.WorkerLoad) != W || len(r.Potential) != sink+1 {
		return 0, fmt.Errorf("%w: result has %d task arcs, %d worker loads and %d potentials; want %d, %d and %d",
			ErrNotOptimal, len(r.TaskArc), len(r.WorkerLoad), len(r.Potential), T, W, sink+1)
	}
	reach := make([]int64, W) // tasks whose arc reaches each worker
	for t, a := range r.TaskArc {
		switch {
		case a == -1 && d.Unassigned[t] == NoLeave:
			return 0, fmt.Errorf("%w: task %d is unassigned but must be assigned", ErrNotOptimal, t)
		case a < -1 || int(a) >= len(d.ArcTask):
			return 0, fmt.Errorf("%w: task %d uses arc %d outside -1..%d", ErrNotOptimal, t, a, len(d.ArcTask)-1)
		case a >= 0 && int(d.ArcTask[a]) != t:
			return 0, fmt.Errorf("%w: task %d uses arc %d of task %d", ErrNotOptimal, t, a, d.ArcTask[a])
		case a >= 0:
			reach[d.ArcWorker[a]]++
		}
	}
	// Flow conservation: a task's unit leaves by its arc or its leave arc,
	// and the sink takes in every unit, once each worker passes on what
	// reaches it as its load.
	for w, load := range r.WorkerLoad {
		if load < 0 {
			return 0, fmt.Errorf("%w: worker %d has load %d", ErrNotOptimal, w, load)
		}
		if load != reach[w] {
			return 0, fmt.Errorf("%w: worker %d (node %d) is out of balance: %d tasks reach it, its load is %d",
				ErrNotOptimal, w, T+w, reach[w], load)
		}
	}

	c := dispatchCheck{pi: r.Potential}
	for t := range T {
		c.dual.addProduct(1, c.pi[t])
	}
	c.dual.addProduct(-int64(T), c.pi[sink])
	var lower []int64 // per candidate arc when there are pins
	if len(d.Pinned) > 0 {
		lower = make([]int64, len(d.ArcTask))
		for _, a := range d.Pinned {
			lower[a] = 1
		}
	}
	for a, t := range d.ArcTask {
		var x, lo int64
		if r.TaskArc[t] == int32(a) {
			x = 1
		}
		if lower != nil {
			lo = lower[a]
		}
		w := int(d.ArcWorker[a])
		if err := c.arc(x, lo, 1, d.ArcCost[a], int(t), T+w, func() string {
			return fmt.Sprintf("task %d's arc %d to worker %d", t, a, w)
		}); err != nil {
			return 0, err
		}
	}
	var flow []int64 // one worker's tier flows
	for w, tiers := range d.Tiers {
		load := r.WorkerLoad[w]
		if len(tiers) == 0 && load > 0 {
			return 0, fmt.Errorf("%w: worker %d has load %d and no capacity", ErrNotOptimal, w, load)
		}
		flow = slices.Grow(flow[:0], len(tiers))[:len(tiers)]
		fillTiers(flow, tiers, load) // as Flow spreads it
		for i, tr := range tiers {
			if err := c.arc(flow[i], 0, tr.Units, tr.Cost, T+w, sink, func() string {
				return fmt.Sprintf("worker %d's tier %d", w, i)
			}); err != nil {
				return 0, err
			}
		}
	}
	for t, u := range d.Unassigned {
		if u == NoLeave {
			continue
		}
		var x int64
		if r.TaskArc[t] < 0 {
			x = 1
		}
		if err := c.arc(x, 0, 1, u, t, sink, func() string {
			return fmt.Sprintf("task %d's leave arc", t)
		}); err != nil {
			return 0, err
		}
	}

	primal, ok := c.primal.int64()
	if !ok {
		return 0, fmt.Errorf("%w: objective", ErrOverflow)
	}
	if primal != r.Objective {
		return 0, fmt.Errorf("%w: objective is %d but the dispatch costs %d", ErrNotOptimal, r.Objective, primal)
	}
	if dual, ok := c.dual.int64(); !ok || dual != primal {
		return 0, fmt.Errorf("%w: dual objective differs from primal %d", ErrNotOptimal, primal)
	}
	if r.DualBound != primal {
		return 0, fmt.Errorf("%w: result claims dual bound %d but its potentials give %d", ErrNotOptimal, r.DualBound, primal)
	}
	return primal, nil
}

// dispatchCheck accumulates VerifyDispatch's primal and dual objectives
// over the arcs of Dispatch.Network.
type dispatchCheck struct {
	pi           []int64
	primal, dual acc
}

// arc checks one arc of Dispatch.Network, from node tail to node head at
// cost, carrying x within [lo, up]: its bounds and complementary slackness,
// as Verify does; and adds it to both objectives. name names the arc in
// the error.
func (c *dispatchCheck) arc(x, lo, up, cost int64, tail, head int, name func() string) error {
	if x < lo || x > up {
		return fmt.Errorf("%w: %s carries %d outside [%d, %d]", ErrNotOptimal, name(), x, lo, up)
	}
	rc, ok := subInt64(cost, c.pi[tail])
	if ok {
		rc, ok = addInt64(rc, c.pi[head])
	}
	if !ok {
		return fmt.Errorf("%w: reduced cost of %s", ErrOverflow, name())
	}
	switch {
	case rc < 0 && x != up:
		return fmt.Errorf("%w: %s has reduced cost %d < 0 but flow %d below its upper bound %d", ErrNotOptimal, name(), rc, x, up)
	case rc > 0 && x != lo:
		return fmt.Errorf("%w: %s has reduced cost %d > 0 but flow %d above its lower bound %d", ErrNotOptimal, name(), rc, x, lo)
	}
	c.primal.addProduct(cost, x)
	c.dual.addProduct(rc, x) // x equals the bound the dual charges
	return nil
}
