package solver_test

import (
	"context"
	"math"
	"math/rand/v2"
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

// verifyDispatchOnNetwork is VerifyDispatch's reference: the result's checks
// that concern the dispatch alone, then Verify on d.Network() carrying
// r.Flow(d), then the claimed bound. (VerifyDispatch was this until it
// learnt to check the dispatch in place; it then missed a load claimed by a
// worker without tiers, which Flow drops.)
func verifyDispatchOnNetwork(d *solver.Dispatch, r *solver.DispatchResult) (int64, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	if len(r.TaskArc) != d.Tasks || len(r.WorkerLoad) != d.Workers {
		return 0, solver.ErrNotOptimal
	}
	for t, a := range r.TaskArc {
		if (a == -1 && d.Unassigned[t] == solver.NoLeave) || a < -1 || int(a) >= len(d.ArcTask) || (a >= 0 && int(d.ArcTask[a]) != t) {
			return 0, solver.ErrNotOptimal
		}
	}
	for w, load := range r.WorkerLoad {
		// Flow spreads a load over the worker's tiers, so a worker without
		// tiers drops its load from the network; the load must still be
		// the tasks that reach the worker.
		if load < 0 || (len(d.Tiers[w]) == 0 && load != 0) {
			return 0, solver.ErrNotOptimal
		}
	}
	bound, err := solver.Verify(d.Network(), r.Flow(d))
	if err != nil {
		return 0, err
	}
	if r.DualBound != bound {
		return 0, solver.ErrNotOptimal
	}
	return bound, nil
}

// TestVerifyDispatchMatchesVerify holds VerifyDispatch, which checks a
// result on the dispatch itself, to the verdict and bound of Verify on the
// general network, on optimal results of random dispatches and on results
// broken one way or several: moved tasks, shifted loads and potentials
// (some to the edge of int64), wrong objectives and bounds.
func TestVerifyDispatchMatchesVerify(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	accepted, rejected := 0, 0
	for seed := range 3000 {
		d := randomDispatch(rng)
		r, err := solver.SolveDispatch(context.Background(), d)
		if err != nil {
			continue // infeasible
		}
		for k := rng.IntN(4); k > 0; k-- {
			mutateResult(rng, d, r)
		}
		got, gotErr := solver.VerifyDispatch(d, r)
		want, wantErr := verifyDispatchOnNetwork(d, r)
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Fatalf("seed %d: VerifyDispatch = %d, %v; on the network %d, %v (%+v, %+v)", seed, got, gotErr, want, wantErr, d, r)
		}
		if gotErr == nil {
			accepted++
		} else {
			rejected++
		}
	}
	if accepted < 500 || rejected < 500 {
		t.Fatalf("accepted %d and rejected %d results; want both common", accepted, rejected)
	}
}

// mutateResult changes r in one random way.
func mutateResult(rng *rand.Rand, d *solver.Dispatch, r *solver.DispatchResult) {
	switch rng.IntN(7) {
	case 0: // a task to another of its arcs or out, loads following
		if d.Tasks == 0 {
			return
		}
		t := rng.IntN(d.Tasks)
		if a := r.TaskArc[t]; a >= 0 {
			r.WorkerLoad[d.ArcWorker[a]]--
		}
		r.TaskArc[t] = -1
		for a, at := range d.ArcTask {
			if int(at) == t && rng.IntN(2) == 0 {
				r.TaskArc[t] = int32(a)
				r.WorkerLoad[d.ArcWorker[a]]++
				break
			}
		}
	case 1: // a load alone
		if d.Workers > 0 {
			r.WorkerLoad[rng.IntN(d.Workers)] += int64(rng.IntN(3) - 1)
		}
	case 2, 3: // a potential
		v := rng.IntN(len(r.Potential))
		switch rng.IntN(4) {
		case 0:
			r.Potential[v] = math.MaxInt64 - int64(rng.IntN(3))
		case 1:
			r.Potential[v] = math.MinInt64 + int64(rng.IntN(3))
		default:
			r.Potential[v] += int64(rng.IntN(7) - 3)
		}
	case 4: // every potential by the same amount: the certificate holds
		c := int64(rng.IntN(1001) - 500)
		for v := range r.Potential {
			r.Potential[v] += c
		}
	case 5:
		r.Objective += int64(rng.IntN(3) - 1)
	case 6:
		r.DualBound += int64(rng.IntN(3) - 1)
	}
}
