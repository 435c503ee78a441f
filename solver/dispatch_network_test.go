package solver_test

import (
	"reflect"
	"testing"

	"github.com/paidan/paidan/solver"
)

// smallDispatch has two tasks, two workers (worker 0 with two tiers), a pin
// and a task that must be assigned.
func smallDispatch() *solver.Dispatch {
	return &solver.Dispatch{
		Tasks: 2, Workers: 2,
		ArcTask: []int32{0, 0, 1}, ArcWorker: []int32{0, 1, 0}, ArcCost: []int64{4, 6, 3},
		Unassigned: []int64{solver.NoLeave, 20},
		Tiers:      [][]solver.Tier{{{Units: 1, Cost: 0}, {Units: 2, Cost: 5}}, {{Units: 1, Cost: 1}}},
		Pinned:     []int32{2},
	}
}

func TestDispatchNetwork(t *testing.T) {
	t.Parallel()
	n := smallDispatch().Network()
	want := &solver.Network{
		Supply: []int64{1, 1, 0, 0, -2},
		// candidates, then tiers worker by worker, then leave arcs.
		Tail:  []int32{0, 0, 1, 2, 2, 3, 1},
		Head:  []int32{2, 3, 2, 4, 4, 4, 4},
		Lower: []int64{0, 0, 1, 0, 0, 0, 0},
		Upper: []int64{1, 1, 1, 1, 2, 1, 1},
		Cost:  []int64{4, 6, 3, 0, 5, 1, 20},
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("Network() = %+v, want %+v", n, want)
	}
}

func TestDispatchResultFlow(t *testing.T) {
	t.Parallel()
	d := smallDispatch()
	r := solveDispatchVerified(t, d)
	// Task 1 is pinned to worker 0 (tier 0 cost 0); task 0 either joins it
	// on tier 1 (4+5) or goes to worker 1 (6+1): 7 + 3 = 10.
	if r.Objective != 10 {
		t.Fatalf("objective = %d, want 10", r.Objective)
	}
	f := r.Flow(d)
	if want := []int64{0, 1, 1, 1, 0, 1, 0}; !reflect.DeepEqual(f.Flow, want) {
		t.Errorf("flow = %v, want %v", f.Flow, want)
	}
	if bound, err := solver.Verify(d.Network(), f); err != nil || bound != 10 {
		t.Errorf("Verify = %d, %v; want 10, nil", bound, err)
	}
}

func TestVerifyDispatchRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(d *solver.Dispatch, r *solver.DispatchResult)
		want   error
		detail string
	}{
		{"short task arcs", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc = r.TaskArc[:1]
		}, solver.ErrNotOptimal, "1 task arcs"},
		{"arc of another task", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc[0] = 2
		}, solver.ErrNotOptimal, "task 0 uses arc 2 of task 1"},
		{"arc outside", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc[0] = 9
		}, solver.ErrNotOptimal, "task 0 uses arc 9"},
		{"must-assign task left out", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc[0] = -1
		}, solver.ErrNotOptimal, "task 0 is unassigned"},
		{"negative load", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.WorkerLoad[1] = -1
		}, solver.ErrNotOptimal, "worker 1 has load -1"},
		{"load out of balance", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.WorkerLoad[0]++
		}, solver.ErrNotOptimal, "out of balance"},
		{"pin ignored", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc[1] = -1
			r.WorkerLoad[0] = 0
			r.Objective += 20 - 3
		}, solver.ErrNotOptimal, "arc 2"},
		{"suboptimal", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.TaskArc[0] = 0
			r.WorkerLoad = []int64{2, 0}
			r.Objective = 4 + 5 + 3
		}, solver.ErrNotOptimal, "reduced cost"},
		{"wrong bound", func(_ *solver.Dispatch, r *solver.DispatchResult) {
			r.DualBound--
		}, solver.ErrNotOptimal, "claims dual bound 9"},
		{"invalid dispatch", func(d *solver.Dispatch, _ *solver.DispatchResult) {
			d.Pinned = []int32{5}
		}, solver.ErrInvalid, "pin 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := smallDispatch()
			r := solveDispatchVerified(t, d)
			tt.mutate(d, r)
			_, err := solver.VerifyDispatch(d, r)
			checkErr(t, "VerifyDispatch", err, tt.want, tt.detail)
		})
	}
}
