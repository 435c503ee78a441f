package solver_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// TestCrashTreeFits checks that the greedy starting tree is a strongly
// feasible tree of every valid dispatch, feasible or not, with and without
// pins, leave arcs, tiers, workers without capacity and worker prices
// (SolveDispatchPriced), so that the simplex never silently falls back to
// the artificial start.
func TestCrashTreeFits(t *testing.T) {
	t.Parallel()
	checked := 0
	for seed := range uint64(5000) {
		rng := rand.New(rand.NewPCG(seed, 11))
		d := randomDispatch(rng)
		if d.Validate() != nil {
			continue
		}
		checked++
		for _, price := range [][]int64{nil, randomPrices(rng, d)} {
			fits, _, err := solver.CrashTreeFits(d, price)
			if err != nil && !errors.Is(err, solver.ErrInfeasible) {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if !fits {
				t.Fatalf("seed %d: the simplex refused the crash tree at prices %v of %+v", seed, price, d)
			}
		}
	}
	if checked < 3000 {
		t.Errorf("checked %d valid dispatches; want at least 3000", checked)
	}
}

// TestCrashTreePivots checks that the crash start pays on the metro shape:
// it must take less than half the pivots of the artificial start, and the
// solve must stay optimal.
func TestCrashTreePivots(t *testing.T) {
	t.Parallel()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 3000, Workers: 150, Slack: 1.05, Seed: 3})
	fits, pivots, err := solver.CrashTreeFits(d, nil)
	if err != nil || !fits {
		t.Fatalf("CrashTreeFits = %v, %v", fits, err)
	}
	cold, err := solver.SolveMCF(context.Background(), d.Network())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d pivots from the crash tree, %d from the artificial tree", pivots, cold.Stats.Iterations)
	if 2*pivots >= cold.Stats.Iterations {
		t.Errorf("%d pivots from the crash tree, %d from the artificial tree; want less than half", pivots, cold.Stats.Iterations)
	}
	r, err := solver.SolveDispatch(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	ssp, err := solver.SolveDispatchSSP(context.Background(), d)
	if err != nil || ssp.Objective != r.Objective {
		t.Fatalf("searches give %v, %v; simplex %d", ssp, err, r.Objective)
	}
	if _, err := solver.VerifyDispatch(d, r); err != nil {
		t.Fatal(err)
	}
}

// TestCrashTreeDegenerate runs the crash-started simplex against brute
// force on dispatches where every cost is equal (every tree is optimal and
// every pivot degenerate, the case Cunningham's rule guards against
// cycling in) or where capacity is zero or short.
func TestCrashTreeDegenerate(t *testing.T) {
	t.Parallel()
	solved := 0
	for seed := range uint64(3000) {
		rng := rand.New(rand.NewPCG(seed, 13))
		d := randomDispatch(rng)
		for a := range d.ArcCost {
			d.ArcCost[a] = 0
		}
		for i, u := range d.Unassigned {
			if u != solver.NoLeave {
				d.Unassigned[i] = 0
			}
		}
		for w := range d.Tiers {
			if seed%4 == 0 {
				d.Tiers[w] = nil // no capacity at all
			}
			for i := range d.Tiers[w] {
				d.Tiers[w][i].Cost = 0
			}
		}
		if checkSimplexBruteForce(t, seed, d, nil) {
			solved++
		}
	}
	if solved < 1000 {
		t.Errorf("solved %d feasible instances; want at least 1000", solved)
	}
}

// checkSimplexBruteForce solves d with the simplex started from the crash
// tree at the worker prices price (nil: none) and fails the test unless
// it reaches the brute-force optimum with a certificate, or ErrInfeasible
// when d has no feasible dispatch; it reports whether d had one.
func checkSimplexBruteForce(t *testing.T, seed uint64, d *solver.Dispatch, price []int64) bool {
	t.Helper()
	want, feasible := bruteForce(d)
	r, err := solver.SolveDispatchSimplex(context.Background(), d, price)
	if !feasible {
		if !errors.Is(err, solver.ErrInfeasible) {
			t.Fatalf("seed %d: error %v, want ErrInfeasible", seed, err)
		}
		return false
	}
	if err != nil {
		t.Fatalf("seed %d: %v (prices %v, %+v)", seed, err, price, d)
	}
	if bound, err := solver.VerifyDispatch(d, r); err != nil || r.Objective != want || bound != want {
		t.Fatalf("seed %d: objective %d, VerifyDispatch = %d, %v; want %d (prices %v, %+v)", seed, r.Objective, bound, err, want, price, d)
	}
	return true
}
