package solver_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// TestSolveDispatchChoice checks which algorithm SolveDispatch picks on
// the shapes the choice was measured on.
func TestSolveDispatchChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		d       *solver.Dispatch
		simplex bool
	}{
		{"uniform, capacity 1.25 x tasks", geometricDispatch(1, 2000, 100, 25, 10), false},
		{"uniform, capacity = tasks, small", geometricDispatch(1, 900, 45, 20, 10), false},
		{"uniform, capacity = tasks", geometricDispatch(1, 2000, 100, 20, 10), true},
		{"uniform, capacity short, all may stay out", geometricDispatch(1, 2000, 100, 15, 10), false},
		{"metro, tiers", dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1500, Workers: 80, Slack: 1.05, Seed: 5}), true},
	} {
		if got := tc.d.SuitsSimplex(); got != tc.simplex {
			t.Errorf("%s: SuitsSimplex = %v, want %v", tc.name, got, tc.simplex)
		}
		r := solveDispatchVerified(t, tc.d)
		if (r.Stats.Algorithm == "network-simplex") != tc.simplex {
			t.Errorf("%s: algorithm %s", tc.name, r.Stats.Algorithm)
		}
		ssp, err := solver.SolveDispatchSSP(context.Background(), tc.d)
		if err != nil || ssp.Objective != r.Objective {
			t.Errorf("%s: searches give %v, %v; SolveDispatch %d", tc.name, ssp, err, r.Objective)
		}
	}
}

// TestSolveDispatchSimplexBruteForce runs the simplex path of SolveDispatch
// against brute force, and its errors against the searches'.
func TestSolveDispatchSimplexBruteForce(t *testing.T) {
	t.Parallel()
	simplex := 0
	for seed := range uint64(10000) {
		rng := rand.New(rand.NewPCG(seed, 7))
		d := randomDispatch(rng)
		want, feasible := bruteForce(d)
		r, err := solver.SolveDispatchSimplex(context.Background(), d, nil)
		if !feasible {
			_, sspErr := solver.SolveDispatchSSP(context.Background(), d)
			if !errors.Is(err, solver.ErrInfeasible) || err.Error() != sspErr.Error() {
				t.Fatalf("seed %d: error %v; want the searches' %v", seed, err, sspErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: SolveDispatch: %v (%+v)", seed, err, d)
		}
		if r.Stats.Algorithm == "network-simplex" {
			simplex++
		}
		if r.Objective != want {
			t.Fatalf("seed %d: objective %d, want %d (%+v)", seed, r.Objective, want, d)
		}
		if bound, err := solver.VerifyDispatch(d, r); err != nil || bound != want {
			t.Fatalf("seed %d: VerifyDispatch = %d, %v; want %d", seed, bound, err, want)
		}
		if p := r.Potential[d.Tasks+d.Workers]; p != 0 {
			t.Fatalf("seed %d: sink potential %d, want 0", seed, p)
		}
	}
	if simplex < 1000 {
		t.Errorf("the simplex solved %d instances; want at least 1000", simplex)
	}
}

// TestSolveDispatchSimplexCancelled cancels a solve that the simplex runs
// (the simplex's own polling is tested with SolveMCF).
func TestSolveDispatchSimplexCancelled(t *testing.T) {
	t.Parallel()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1200, Workers: 60, Slack: 1.05, Seed: 2})
	if !d.SuitsSimplex() {
		t.Fatal("the metro shape no longer goes to the simplex; the test exercises nothing")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := solver.SolveDispatch(ctx, d)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SolveDispatch error = %v, want context.Canceled", err)
	}
}
