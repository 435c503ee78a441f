package solver

import (
	"fmt"
	"math"
)

// Validate checks the dispatch's shape: slice lengths, task and worker
// indices, duplicate task-worker pairs, tiers (positive units, non-decreasing
// costs) and pins (valid arcs, at most one per task). It returns an error
// wrapping ErrInvalid that names the task, worker or arc, or ErrOverflow when
// the costs are so large that potentials or the objective could leave int64
// (see SolveDispatch). It does not decide feasibility.
func (d *Dispatch) Validate() error {
	_, _, err := d.validate()
	return err
}

// validate is Validate, also returning the arcs grouped by task (see byTask).
func (d *Dispatch) validate() (off, order []int32, err error) {
	if d.Tasks < 0 || d.Workers < 0 {
		return nil, nil, fmt.Errorf("%w: %d tasks and %d workers; want non-negative counts", ErrInvalid, d.Tasks, d.Workers)
	}
	if int64(d.Tasks)+int64(d.Workers)+1 > math.MaxInt32 {
		return nil, nil, fmt.Errorf("%w: %d tasks and %d workers exceed %d nodes", ErrInvalid, d.Tasks, d.Workers, math.MaxInt32)
	}
	m := len(d.ArcTask)
	if len(d.ArcWorker) != m || len(d.ArcCost) != m {
		return nil, nil, fmt.Errorf("%w: candidate arc slices differ in length (task %d, worker %d, cost %d)",
			ErrInvalid, m, len(d.ArcWorker), len(d.ArcCost))
	}
	if int64(m) > math.MaxInt32 {
		return nil, nil, fmt.Errorf("%w: %d candidate arcs exceed %d", ErrInvalid, m, math.MaxInt32)
	}
	if len(d.Unassigned) != d.Tasks {
		return nil, nil, fmt.Errorf("%w: %d unassigned costs for %d tasks", ErrInvalid, len(d.Unassigned), d.Tasks)
	}
	if len(d.Tiers) != d.Workers {
		return nil, nil, fmt.Errorf("%w: %d tier lists for %d workers", ErrInvalid, len(d.Tiers), d.Workers)
	}
	maxAbs := int64(0) // largest |cost| anywhere, for the overflow bound
	grow := func(c int64) {
		if c == math.MinInt64 {
			maxAbs = math.MaxInt64
		} else if c < 0 {
			maxAbs = max(maxAbs, -c)
		} else {
			maxAbs = max(maxAbs, c)
		}
	}
	for a := range m {
		t, w := d.ArcTask[a], d.ArcWorker[a]
		if t < 0 || int(t) >= d.Tasks {
			return nil, nil, fmt.Errorf("%w: arc %d has task %d outside 0..%d", ErrInvalid, a, t, d.Tasks-1)
		}
		if w < 0 || int(w) >= d.Workers {
			return nil, nil, fmt.Errorf("%w: arc %d has worker %d outside 0..%d", ErrInvalid, a, w, d.Workers-1)
		}
		grow(d.ArcCost[a])
	}
	off, order = d.byTask()
	if err := d.checkDuplicates(off, order); err != nil {
		return nil, nil, err
	}
	for _, u := range d.Unassigned {
		if u != NoLeave {
			grow(u)
		}
	}
	for w, tiers := range d.Tiers {
		for i, tr := range tiers {
			if tr.Units <= 0 {
				return nil, nil, fmt.Errorf("%w: worker %d tier %d has %d units; want a positive count", ErrInvalid, w, i, tr.Units)
			}
			if i > 0 && tr.Cost < tiers[i-1].Cost {
				return nil, nil, fmt.Errorf("%w: worker %d tier %d costs %d, less than tier %d at %d; want non-decreasing tier costs",
					ErrInvalid, w, i, tr.Cost, i-1, tiers[i-1].Cost)
			}
			grow(tr.Cost)
		}
	}
	pinOf := make(map[int32]int, len(d.Pinned))
	for i, a := range d.Pinned {
		if a < 0 || int(a) >= m {
			return nil, nil, fmt.Errorf("%w: pin %d names arc %d outside 0..%d", ErrInvalid, i, a, m-1)
		}
		t := d.ArcTask[a]
		if j, dup := pinOf[t]; dup {
			return nil, nil, fmt.Errorf("%w: task %d is pinned twice (pins %d and %d, arcs %d and %d)",
				ErrInvalid, t, j, i, d.Pinned[j], a)
		}
		pinOf[t] = i
	}
	// Potentials stay within 2·(nodes+1)·maxAbs of zero and every distance,
	// reduced cost and objective within a small multiple of that (see
	// SolveDispatch); demand a safety factor of 8.
	nodes := int64(d.Tasks) + int64(d.Workers) + 2
	if maxAbs > math.MaxInt64/(8*nodes) {
		return nil, nil, fmt.Errorf("%w: largest cost magnitude %d times %d nodes", ErrOverflow, maxAbs, nodes)
	}
	return off, order, nil
}

// checkDuplicates reports a task-worker pair that appears on two arcs.
func (d *Dispatch) checkDuplicates(off, order []int32) error {
	seen := make([]int32, d.Workers) // 1 + the last arc seen per worker for the current task
	for t := range d.Tasks {
		for p := off[t]; p < off[t+1]; p++ {
			a := arcAt(order, p)
			w := d.ArcWorker[a]
			if prev := seen[w] - 1; prev >= 0 && d.ArcTask[prev] == int32(t) {
				return fmt.Errorf("%w: arc %d duplicates arc %d (task %d → worker %d)", ErrInvalid, a, prev, t, w)
			}
			seen[w] = a + 1
		}
	}
	return nil
}

// byTask groups the candidate arcs by task, keeping their order within a
// task: positions off[t]..off[t+1]-1 hold task t's arcs, and arcAt(order, p)
// is the arc at position p. order is nil when the arcs are already sorted by
// task, the usual case, so that no permutation is stored. Indices must be
// valid.
func (d *Dispatch) byTask() (off, order []int32) {
	off = make([]int32, d.Tasks+1)
	sorted := true
	for a, t := range d.ArcTask {
		off[t+1]++
		if a > 0 && t < d.ArcTask[a-1] {
			sorted = false
		}
	}
	for t := range d.Tasks {
		off[t+1] += off[t]
	}
	if sorted {
		return off, nil
	}
	order = make([]int32, len(d.ArcTask))
	fill := make([]int32, d.Tasks)
	copy(fill, off[:d.Tasks])
	for a, t := range d.ArcTask {
		order[fill[t]] = int32(a)
		fill[t]++
	}
	return off, order
}

// arcAt returns the candidate arc at position p of the grouping by task.
func arcAt(order []int32, p int32) int32 {
	if order == nil {
		return p
	}
	return order[p]
}
