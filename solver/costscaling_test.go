package solver_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver"
)

// costScalingVerified solves n by cost scaling and runs every result
// through solver.Verify.
func costScalingVerified(tb testing.TB, n *solver.Network) (*solver.Flow, error) {
	tb.Helper()
	return solveVerified(tb, solver.SolveMCFCostScaling, n)
}

// sameOutcome checks that cost scaling and the network simplex agree on n:
// both optimal with the same objective, or both failing with the same kind
// of error. It returns the simplex's error.
func sameOutcome(t *testing.T, n *solver.Network) error {
	t.Helper()
	want, werr := solveMCFVerified(t, n)
	got, err := costScalingVerified(t, n)
	for _, kind := range []error{solver.ErrInfeasible, solver.ErrUnbounded} {
		if errors.Is(werr, kind) != errors.Is(err, kind) {
			t.Fatalf("cost scaling err = %v; network simplex err = %v", err, werr)
		}
	}
	switch {
	case werr != nil && err == nil:
		t.Fatalf("cost scaling solved what the simplex did not: %v", werr)
	case werr == nil && err != nil:
		t.Fatalf("cost scaling: %v", err)
	case werr == nil && got.Objective != want.Objective:
		t.Fatalf("objective = %d, want %d (network simplex)", got.Objective, want.Objective)
	}
	return werr
}

// TestCostScalingAgainstSimplex compares cost scaling with the network
// simplex on random small networks with lower bounds, negative costs,
// parallel arcs, self-loops, uncapacitated arcs (some on negative cycles)
// and infeasible supplies.
func TestCostScalingAgainstSimplex(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	counts := map[string]int{}
	for i := range 3000 {
		var n *solver.Network
		switch i % 3 {
		case 0:
			n = randomNetwork(rng, 10, 24)
		case 1:
			n = randomNetwork(rng, 60, 400)
		default:
			n = randomNetworkCosts(rng, 8, 20, true)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			err := sameOutcome(t, n)
			switch {
			case errors.Is(err, solver.ErrInfeasible):
				counts["infeasible"]++
			case errors.Is(err, solver.ErrUnbounded):
				counts["unbounded"]++
			default:
				counts["optimal"]++
			}
		})
	}
	if counts["infeasible"] < 100 || counts["unbounded"] < 20 || counts["optimal"] < 500 {
		t.Errorf("outcomes %v; widen the generator", counts)
	}
}

// TestCostScalingDispatch compares cost scaling on dispatch networks
// (d.Network(): tiers, leave arcs, pins, infeasible and degenerate ones)
// with the dispatch solver.
func TestCostScalingDispatch(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 800 {
		d := randomDispatch(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			sameOutcome(t, d.Network())
		})
	}
	for _, d := range []*solver.Dispatch{
		geometricDispatch(1, 2000, 100, 25, 8),
		geometricDispatch(2, 3000, 60, 50, 12),
	} {
		sameOutcome(t, d.Network())
	}
}

// TestCostScalingLEMONReference checks the generated networks whose
// optimum LEMON 1.3.1 reports (see TestSolveMCFLEMONReference).
func TestCostScalingLEMONReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    netgen.Params
		want int64
	}{
		{netgen.Params{Seed: 1, Nodes: 1000, Arcs: 10000}, 228199981},
		{netgen.Params{Seed: 2, Nodes: 3000, Arcs: 30000, MinCost: -50, MaxCost: 500, MinCap: 0, MaxCap: 40}, 113921707},
		{netgen.Params{Seed: 3, Nodes: 2000, Arcs: 16000, Sources: 900, Sinks: 900}, 144140716},
	}
	for _, tc := range tests {
		n, err := netgen.Generate(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := costScalingVerified(t, n)
		if err != nil {
			t.Fatalf("%+v: %v", tc.p, err)
		}
		if f.Objective != tc.want {
			t.Errorf("%+v: objective %d, want %d", tc.p, f.Objective, tc.want)
		}
	}
}
