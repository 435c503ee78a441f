package solver_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// subDispatch returns d with each unpinned arc kept with probability
// keep (column generation's smaller network), and the map from its arcs
// to d's.
func subDispatch(rng *rand.Rand, d *solver.Dispatch, keep float64) *solver.Dispatch {
	pinned := map[int32]bool{}
	for _, a := range d.Pinned {
		pinned[a] = true
	}
	s := &solver.Dispatch{Tasks: d.Tasks, Workers: d.Workers, Unassigned: d.Unassigned, Tiers: d.Tiers}
	for a := range d.ArcTask {
		if !pinned[int32(a)] && rng.Float64() >= keep {
			continue
		}
		if pinned[int32(a)] {
			s.Pinned = append(s.Pinned, int32(len(s.ArcTask)))
		}
		s.ArcTask = append(s.ArcTask, d.ArcTask[a])
		s.ArcWorker = append(s.ArcWorker, d.ArcWorker[a])
		s.ArcCost = append(s.ArcCost, d.ArcCost[a])
	}
	return s
}

// startOf returns the start that r, a result on d, gives.
func startOf(d *solver.Dispatch, r *solver.DispatchResult) *solver.DispatchStart {
	st := &solver.DispatchStart{TaskWorker: make([]int32, d.Tasks), Potential: r.Potential}
	for t, a := range r.TaskArc {
		st.TaskWorker[t] = -1
		if a >= 0 {
			st.TaskWorker[t] = d.ArcWorker[a]
		}
	}
	return st
}

// basisStartOf is startOf with r's basis, so that the solve starts the
// simplex from it.
func basisStartOf(d *solver.Dispatch, r *solver.DispatchResult) *solver.DispatchStart {
	st := startOf(d, r)
	st.Basis = r.Basis
	return st
}

// randomStart returns an arbitrary start: workers, left-outs and
// potentials at random, ignoring capacity and optimality.
func randomStart(rng *rand.Rand, d *solver.Dispatch) *solver.DispatchStart {
	st := &solver.DispatchStart{TaskWorker: make([]int32, d.Tasks), Potential: make([]int64, d.Tasks+d.Workers+1)}
	for t := range st.TaskWorker {
		st.TaskWorker[t] = int32(rng.IntN(d.Workers+1)) - 1
	}
	for v := range st.Potential {
		st.Potential[v] = int64(rng.IntN(81) - 40)
	}
	return st
}

// warmCase solves d from start, checks the certificate and compares the
// objective with want.
func warmCase(tb testing.TB, name string, d *solver.Dispatch, start *solver.DispatchStart, want int64) {
	tb.Helper()
	r, err := solver.SolveDispatchFrom(context.Background(), d, start)
	if err != nil {
		tb.Fatalf("%s: SolveDispatchFrom: %v (%+v; start %+v)", name, err, d, start)
	}
	if r.Objective != want {
		tb.Fatalf("%s: objective = %d, want %d (%+v; start %+v)", name, r.Objective, want, d, start)
	}
	if bound, err := solver.VerifyDispatch(d, r); err != nil || bound != want {
		tb.Fatalf("%s: VerifyDispatch = %d, %v; want %d, nil", name, bound, err, want)
	}
	if p := r.Potential[d.Tasks+d.Workers]; p != 0 {
		tb.Fatalf("%s: sink potential %d, want 0", name, p)
	}
}

// TestSolveDispatchFromBruteForce starts the brute-force instances from
// the optimum of a random part of their arcs (as pricing does) and from
// arbitrary starts, and compares with brute force.
func TestSolveDispatchFromBruteForce(t *testing.T) {
	t.Parallel()
	var priced, freed int
	for seed := range uint64(20000) {
		rng := rand.New(rand.NewPCG(seed, 17))
		d := randomDispatch(rng)
		want, feasible := bruteForce(d)
		if !feasible {
			continue
		}
		sub := subDispatch(rng, d, 0.6)
		if r, err := solver.SolveDispatch(context.Background(), sub); err == nil {
			priced++
			warmCase(t, fmt.Sprintf("seed %d from its part", seed), d, startOf(sub, r), want)
			full := solveDispatchVerified(t, d)
			if full.Objective != r.Objective {
				freed++
			}
		}
		if d.Workers > 0 {
			warmCase(t, fmt.Sprintf("seed %d from a random start", seed), d, randomStart(rng, d), want)
		}
	}
	// The generator must exercise starts that need repair.
	if priced < 2000 || freed < 300 {
		t.Errorf("%d started from a part, %d of them with a better optimum; want at least 2000 and 300", priced, freed)
	}
}

// TestSolveDispatchFromTieredTight does the same on the tiered, crowded
// shape, where freed tasks leave holes at workers on a tier boundary and
// repairs cross the sink.
func TestSolveDispatchFromTieredTight(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8000) {
		rng := rand.New(rand.NewPCG(seed, 19))
		d := &solver.Dispatch{Tasks: 1 + rng.IntN(8), Workers: 1 + rng.IntN(4)}
		for tk := range d.Tasks {
			for w := range d.Workers {
				if rng.IntN(4) > 0 {
					d.ArcTask = append(d.ArcTask, int32(tk))
					d.ArcWorker = append(d.ArcWorker, int32(w))
					d.ArcCost = append(d.ArcCost, int64(rng.IntN(6)))
				}
			}
			d.Unassigned = append(d.Unassigned, int64(100+rng.IntN(3)*50))
		}
		d.Tiers = make([][]solver.Tier, d.Workers)
		for w := range d.Tiers {
			c := 1 + rng.IntN(4)
			for i, n := range []int{(c + 1) / 2, c*8/10 - (c+1)/2, c - c*8/10} {
				if n > 0 {
					d.Tiers[w] = append(d.Tiers[w], solver.Tier{Units: int64(n), Cost: []int64{0, 2, 10}[i]})
				}
			}
		}
		want, _ := bruteForce(d)
		sub := subDispatch(rng, d, 0.4)
		r := solveDispatchVerified(t, sub)
		warmCase(t, fmt.Sprintf("seed %d", seed), d, startOf(sub, r), want)
	}
}

// TestSolveDispatchFromMetro starts metro instances from the optimum of a
// third of their arcs and compares with the cold solve.
func TestSolveDispatchFromMetro(t *testing.T) {
	t.Parallel()
	for _, slack := range []float64{0.9, 1.05, 1.3} {
		t.Run(fmt.Sprintf("slack=%.2f", slack), func(t *testing.T) {
			t.Parallel()
			d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1500, Workers: 80, Slack: slack, Seed: 5})
			want := solveDispatchVerified(t, d).Objective
			rng := rand.New(rand.NewPCG(3, 3))
			sub := subDispatch(rng, d, 0.3)
			r := solveDispatchVerified(t, sub)
			warmCase(t, "metro", d, startOf(sub, r), want)
			warmCase(t, "metro from itself", d, startOf(d, solveDispatchVerified(t, d)), want)
		})
	}
}

func TestSolveDispatchFromErrors(t *testing.T) {
	t.Parallel()
	d := &solver.Dispatch{Tasks: 1, Workers: 1, ArcTask: []int32{0}, ArcWorker: []int32{0}, ArcCost: []int64{3},
		Unassigned: []int64{solver.NoLeave}, Tiers: [][]solver.Tier{{{Units: 1}}}}
	for _, tc := range []struct {
		name  string
		start solver.DispatchStart
	}{
		{"short task workers", solver.DispatchStart{Potential: make([]int64, 3)}},
		{"short potentials", solver.DispatchStart{TaskWorker: []int32{0}, Potential: make([]int64, 2)}},
		{"worker out of range", solver.DispatchStart{TaskWorker: []int32{1}, Potential: make([]int64, 3)}},
		{"huge potential", solver.DispatchStart{TaskWorker: []int32{0}, Potential: []int64{1 << 62, 0, 0}}},
	} {
		_, err := solver.SolveDispatchFrom(context.Background(), d, &tc.start)
		if !errors.Is(err, solver.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tc.name, err)
		}
	}
}

// TestSolveDispatchFromBudget starts metro instances from a poor start
// with a work budget too small for the repair, so that the solve falls
// back to a cold one, and checks the optimum.
func TestSolveDispatchFromBudget(t *testing.T) {
	t.Parallel()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 800, Workers: 40, Slack: 1.05, Seed: 9})
	want := solveDispatchVerified(t, d).Objective
	sub := subDispatch(rand.New(rand.NewPCG(4, 4)), d, 0.3)
	start := startOf(sub, solveDispatchVerified(t, sub))
	for _, budget := range []int64{0, 1} { // no budget; a budget the repair exceeds
		r, err := solver.SolveDispatchFromBudget(context.Background(), d, start, budget)
		if err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		if r.Objective != want {
			t.Fatalf("budget %d: objective %d, want %d", budget, r.Objective, want)
		}
		if _, err := solver.VerifyDispatch(d, r); err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		if warm := r.Stats.Algorithm == "ssp-dispatch-warm"; warm != (budget == 0) {
			t.Errorf("budget %d: algorithm %s", budget, r.Stats.Algorithm)
		}
	}
}

// grownCase draws brute-force instance d from seed and stream, its
// optimum want, and a random part sub keeping each unpinned arc with
// probability keep, solved by the simplex (r); ok is false when d is
// infeasible, or sub infeasible or solved by the searches.
func grownCase(seed, stream uint64, keep float64) (d, sub *solver.Dispatch, r *solver.DispatchResult, want int64, ok bool) {
	rng := rand.New(rand.NewPCG(seed, stream))
	d = randomDispatch(rng)
	want, feasible := bruteForce(d)
	if !feasible {
		return nil, nil, nil, 0, false
	}
	sub = subDispatch(rng, d, keep)
	r, err := solver.SolveDispatchSimplex(context.Background(), sub, nil)
	if err != nil || r.Basis == nil {
		return nil, nil, nil, 0, false
	}
	return d, sub, r, want, true
}

// TestSolveDispatchFromBasisBruteForce starts the simplex from the optimal
// tree of a random part of each brute-force instance's arcs (a pricing
// round's network) and compares with brute force.
func TestSolveDispatchFromBasisBruteForce(t *testing.T) {
	t.Parallel()
	var warm int
	for seed := range uint64(6000) {
		d, sub, r, want, ok := grownCase(seed, 23, 0.6)
		if !ok {
			continue
		}
		start := basisStartOf(sub, r)
		w, ok, err := solver.SolveDispatchSimplexFrom(context.Background(), d, start)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !ok {
			t.Fatalf("seed %d: the part's tree was refused", seed)
		}
		warm++
		if w.Objective != want {
			t.Fatalf("seed %d: objective %d, want %d (brute force)", seed, w.Objective, want)
		}
		if bound, err := solver.VerifyDispatch(d, w); err != nil || bound != want {
			t.Fatalf("seed %d: VerifyDispatch = %d, %v; want %d", seed, bound, err, want)
		}
	}
	if warm < 2000 {
		t.Errorf("%d instances started from a tree, want at least 2000", warm)
	}
}

// TestSolveDispatchFromBasisMetro starts metro instances, which suit the
// simplex, from the optimal tree of a third of their arcs through
// SolveDispatchFrom, and from their own optimal tree, which needs no pivot.
func TestSolveDispatchFromBasisMetro(t *testing.T) {
	t.Parallel()
	for _, slack := range []float64{1.05, 1.3} { // 0.9 is solved from the capacity side
		t.Run(fmt.Sprintf("slack=%.2f", slack), func(t *testing.T) {
			t.Parallel()
			d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1500, Workers: 80, Slack: slack, Seed: 5})
			if !d.SuitsSimplex() {
				t.Fatal("the metro instance does not suit the simplex")
			}
			cold := solveDispatchVerified(t, d)
			sub := subDispatch(rand.New(rand.NewPCG(3, 3)), d, 0.3)
			r := solveDispatchVerified(t, sub)
			if r.Basis == nil {
				t.Fatal("the part was not solved by the simplex")
			}
			start := basisStartOf(sub, r)
			warmCase(t, "metro from a part's tree", d, start, cold.Objective)
			if _, ok, _ := solver.SolveDispatchSimplexFrom(context.Background(), d, start); !ok {
				t.Error("the part's tree was refused")
			}
			self := basisStartOf(d, cold)
			w, ok, err := solver.SolveDispatchSimplexFrom(context.Background(), d, self)
			if err != nil || !ok || w.Objective != cold.Objective || w.Stats.Iterations != 0 {
				t.Errorf("from its own optimum: %v, taken %v, objective %d (want %d), %d pivots (want 0)",
					err, ok, w.Objective, cold.Objective, w.Stats.Iterations)
			}
		})
	}
}

// TestSolveDispatchFromBasisMismatch offers a tree that does not belong to
// the network (another instance's; a start whose flows disagree with its
// tree): the solve ignores it and still finds the optimum.
func TestSolveDispatchFromBasisMismatch(t *testing.T) {
	t.Parallel()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1200, Workers: 60, Slack: 1.05, Seed: 7})
	other := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1200, Workers: 60, Slack: 1.05, Seed: 8})
	want := solveDispatchVerified(t, d).Objective
	ro := solveDispatchVerified(t, other)
	sub := subDispatch(rand.New(rand.NewPCG(5, 5)), d, 0.4)
	rs := solveDispatchVerified(t, sub)
	for _, tc := range []struct {
		name  string
		start *solver.DispatchStart
	}{
		{"another instance's tree", &solver.DispatchStart{TaskWorker: startOf(sub, rs).TaskWorker, Potential: rs.Potential, Basis: ro.Basis}},
		{"flows of another instance", &solver.DispatchStart{TaskWorker: startOf(other, ro).TaskWorker, Potential: ro.Potential, Basis: rs.Basis}},
	} {
		warmCase(t, tc.name, d, tc.start, want)
	}
}
