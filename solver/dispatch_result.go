package solver

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

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
