package solver

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

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
	// In a warm start, the tasks left out (leaving), so that a search
	// across the sink reaches them without a pass over every task, and
	// each one's index there (leavePos, -1 when not left out).
	leaving, leavePos []int32
	// budget, when positive, is the work (arc scans) after which a warm
	// start gives up for a cold solve (see SolveDispatchFrom).
	budget int64

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

// markLeaving records that task t is left out (warm starts only).
func (s *dispatchState) markLeaving(t int32) {
	if s.leavePos != nil && s.leavePos[t] < 0 {
		s.leavePos[t] = int32(len(s.leaving))
		s.leaving = append(s.leaving, t)
	}
}

// unmarkLeaving records that task t, left out, is no longer (warm starts
// only).
func (s *dispatchState) unmarkLeaving(t int32) {
	if s.leavePos == nil || s.leavePos[t] < 0 {
		return
	}
	i, last := s.leavePos[t], s.leaving[len(s.leaving)-1]
	s.leaving[i], s.leavePos[last] = last, i
	s.leaving = s.leaving[:len(s.leaving)-1]
	s.leavePos[t] = -1
}
