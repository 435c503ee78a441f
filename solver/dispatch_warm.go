package solver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DispatchStart is a solution to start a solve from: typically the optimum
// of a smaller network over the same tasks and workers, to which arcs were
// added (column generation).
type DispatchStart struct {
	// TaskWorker[t] is the worker task t was given, or -1 when it was left
	// unassigned. Length Tasks.
	TaskWorker []int32
	// Potential holds a potential per node, numbered as on Dispatch (see
	// DispatchResult.Potential). Length Tasks+Workers+1.
	Potential []int64
	// Basis, when not nil, is the optimal tree of the solve that
	// TaskWorker comes from (DispatchResult.Basis). On a network that
	// suits the simplex, the solve then starts the simplex from it
	// instead of repairing the start with searches.
	Basis *DispatchBasis
}

// maxStartPotential bounds the potentials a DispatchStart may carry, so
// that no sum of a potential and a validated cost overflows.
const maxStartPotential = 1 << 61

// SolveDispatchFrom is SolveDispatch started from start (nil: a cold
// start). The result does not depend on whether start is good, only the
// time: the start's flow and potentials are kept where they satisfy the
// optimality conditions on d, and the rest is repaired; when the repair
// frees most tasks or grows costly (warmFreedShare, warmBudgetPerArc), d
// is solved cold instead.
//
// Repair: every worker whose start load and potential satisfy its tier
// arcs (each used unit costs at most π(w), its next unit at least π(w)) keeps
// them; any other starts empty, as in a cold start. Then every movable task
// whose start option (its worker's arc or its leave arc) is still its
// cheapest at these potentials keeps it; the others, typically those with a
// new arc of negative reduced cost, are freed. A freed task gives up its
// worker's unit when that unit's reduced cost allows it (π(w) equal to its
// cost) and otherwise leaves a hole: a unit the worker sends on but nothing
// fills. What is kept satisfies every optimality condition, so successive
// shortest paths from each freed task to the nearest hole, or to the sink
// while it lacks units, give an optimum; paths may cross the sink (one
// worker takes a unit that another gives up), so the searches treat it as
// a node (see route). Only the freed tasks are searched for: after a round
// of pricing on a 100k-task plan, a few thousand.
//
// When start.Basis is set and d suits the simplex (see SolveDispatch), the
// simplex starts from that tree and start.TaskWorker's flow instead, new
// arcs empty; a basis that does not fit d is ignored.
//
// Pinned tasks are placed as in a cold start whatever start says. Errors
// are those of SolveDispatch, and ErrInvalid when start's slices have the
// wrong length or a potential beyond ±2^61.
func SolveDispatchFrom(ctx context.Context, d *Dispatch, start *DispatchStart) (*DispatchResult, error) {
	return solveDispatchFrom(ctx, d, start, warmBudgetPerArc)
}

// solveDispatchFrom is SolveDispatchFrom with a work budget of
// budgetPerArc times the network's arcs and nodes.
func solveDispatchFrom(ctx context.Context, d *Dispatch, start *DispatchStart, budgetPerArc int64) (*DispatchResult, error) {
	if start == nil {
		return SolveDispatch(ctx, d)
	}
	off, order, err := d.validate()
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	if err := start.validate(d); err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	if start.Basis != nil && d.suitsSimplex() {
		if r, err := solveDispatchSimplexFrom(ctx, d, start); !errors.Is(err, errNoSimplex) {
			if err != nil {
				return nil, fmt.Errorf("solve dispatch: %w", err)
			}
			return r, nil
		}
	}
	t0 := time.Now()
	s, err := newDispatchState(d, off, order)
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	freed := s.warm(start)
	if freed*warmFreedShare > int64(d.Tasks) && d.suitsSimplex() {
		if r, err := solveDispatchSimplex(ctx, d, nil); !errors.Is(err, errNoSimplex) {
			if err != nil {
				return nil, fmt.Errorf("solve dispatch: %w", err)
			}
			return r, nil
		}
	}
	s.budget = budgetPerArc * int64(len(d.ArcTask)+d.Tasks+d.Workers)
	if err := s.run(ctx); errors.Is(err, errWarmBudget) {
		return SolveDispatch(ctx, d)
	} else if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	if err := s.warmDone(); err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	r, err := s.result()
	if err != nil {
		return nil, fmt.Errorf("solve dispatch: %w", err)
	}
	r.Stats.Duration = time.Since(t0)
	return r, nil
}

func (st *DispatchStart) validate(d *Dispatch) error {
	if len(st.TaskWorker) != d.Tasks {
		return fmt.Errorf("%w: start has %d task workers for %d tasks", ErrInvalid, len(st.TaskWorker), d.Tasks)
	}
	if n := d.Tasks + d.Workers + 1; len(st.Potential) != n {
		return fmt.Errorf("%w: start has %d potentials for %d nodes", ErrInvalid, len(st.Potential), n)
	}
	for v, p := range st.Potential {
		if p > maxStartPotential || p < -maxStartPotential {
			return fmt.Errorf("%w: start potential of node %d is %d, beyond ±2^61", ErrInvalid, v, p)
		}
	}
	for t, w := range st.TaskWorker {
		if w < -1 || int(w) >= d.Workers {
			return fmt.Errorf("%w: start gives task %d worker %d of %d", ErrInvalid, t, w, d.Workers)
		}
	}
	return nil
}

// warmBudgetPerArc bounds a warm start's work: once its searches have
// scanned this many times the network's arcs and nodes, SolveDispatchFrom
// solves cold instead. Searches that cross the sink relax an arc to every
// worker and every task left out, so a repair with many of them can cost
// more than a cold solve; at 100k tasks the third pricing round of a plan
// ran for more than 8 minutes before this bound, where the cold simplex
// took 2.8 and 8.6 minutes for the first two (load ≈ 20).
const warmBudgetPerArc = 20

// errWarmBudget tells SolveDispatchFrom that the warm start ran out of
// work budget.
var errWarmBudget = errors.New("solver: warm start over its work budget")

// warmFreedShare: when a warm start frees more than one task in
// warmFreedShare on a network that suits the simplex (see suitsSimplex),
// SolveDispatchFrom solves cold with the simplex instead: the searches
// from so many freed tasks cost more than a cold solve by the simplex.
// Measured on the 10k-task plan of `paidan gen dispatch`: its second
// round frees 83 % of the tasks (searches 2.3–5.5 s, the simplex 2.2 s),
// its third 20 % (searches 0.16–0.46 s, the simplex 4.0 s), at load ≈ 20.
const warmFreedShare = 2

// warm installs start on a freshly built state (pinned tasks placed, every
// other task free) and returns how many movable tasks it left free; see
// SolveDispatchFrom. Potentials are shifted so that the sink's is 0.
func (s *dispatchState) warm(st *DispatchStart) int64 {
	d, T := s.d, s.tasks
	W := int32(len(s.load))
	s.hole = make([]int32, W)
	s.leavePos = make([]int32, T)
	for t := range s.leavePos {
		s.leavePos[t] = -1
	}
	shift := st.Potential[d.Tasks+d.Workers]
	workerNew := make([]int32, W)
	for w, old := range s.workerOld {
		workerNew[old] = int32(w)
	}

	// The start's position per movable task (-1: none, or left out).
	pos := make([]int32, T)
	load := make([]int64, W)
	copy(load, s.load) // pinned tasks
	for t, old := range s.taskOld {
		pos[t] = -1
		tk := &s.task[t]
		if tk.pinned || st.TaskWorker[old] < 0 {
			continue
		}
		w := workerNew[st.TaskWorker[old]]
		for p := tk.lo; p < tk.hi; p++ {
			if s.arcW[p] == w {
				pos[t] = p
				load[w]++
				break
			}
		}
	}

	// Workers whose start load and potential satisfy their tier arcs keep
	// them.
	keep := make([]bool, W)
	for w := range W {
		pw := st.Potential[d.Tasks+int(s.workerOld[w])] - shift
		l := load[w]
		if l > s.capa[w] {
			continue
		}
		saved := s.load[w]
		s.load[w] = l
		s.setTier(w)
		if (l == 0 || s.usedCost(w) <= pw) && (l == s.capa[w] || pw <= s.tierCost[s.tierAt[w]]) {
			keep[w] = true
			s.node[T+w].pi = pw
			continue
		}
		s.load[w] = saved
		s.setTier(w)
	}

	// Movable tasks whose start option is still their cheapest keep it.
	for t, old := range s.taskOld {
		tk := &s.task[t]
		if tk.pinned {
			continue
		}
		p := pos[t]
		var own int64
		switch {
		case p >= 0 && keep[s.arcW[p]]:
			own = s.arcC[p] + s.node[T+s.arcW[p]].pi
		case p >= 0 || st.TaskWorker[old] >= 0 || s.leave[t] == NoLeave:
			continue // free: its worker starts empty, or it has no such option
		default:
			own, p = s.leave[t], taskLeaving
		}
		alt := s.bestValue(int32(t), p)
		if own > alt {
			if p >= 0 {
				s.free(s.arcW[p])
			}
			continue
		}
		s.node[t].pi = min(max(st.Potential[old]-shift, own), alt)
		if p == taskLeaving {
			tk.assign, tk.alt = taskLeaving, alt
			s.markLeaving(int32(t))
			continue
		}
		s.place(int32(t), p)
		tk.alt = alt
	}

	var units, leaving int64
	for w := range W {
		units += s.load[w]
	}
	for t := range s.task {
		if s.task[t].assign == taskLeaving {
			leaving++
		}
	}
	s.sinkDef = int64(T) - units - leaving
	var free int64
	for t := range s.task {
		if s.task[t].assign == taskFree {
			free++
		}
	}
	return free
}

// free accounts for a start task of worker w that is freed: w gives up the
// unit when its reduced cost allows (π(w) equal to the unit's cost), else
// keeps it as a hole.
func (s *dispatchState) free(w int32) {
	if s.usedCost(w) == s.node[s.tasks+w].pi {
		s.release(w)
		return
	}
	s.hole[w]++
}

// setTier points tierAt at the tier of worker w's unit load+1.
func (s *dispatchState) setTier(w int32) {
	i := s.tierOff[w]
	for i < s.tierOff[w+1] && s.tierEnd[i] <= s.load[w] {
		i++
	}
	s.tierAt[w] = i
}

// warmDone checks that a warm start's repair closed every hole.
func (s *dispatchState) warmDone() error {
	for w, h := range s.hole {
		if h != 0 {
			return fmt.Errorf("%w: worker %d keeps %d holes after the repair", ErrInvalid, s.workerOld[w], h)
		}
	}
	if s.sinkDef != 0 {
		return fmt.Errorf("%w: the sink lacks %d units after the repair", ErrInvalid, s.sinkDef)
	}
	return nil
}
