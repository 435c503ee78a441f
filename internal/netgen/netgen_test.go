package netgen_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	for _, p := range []netgen.Params{
		{Seed: 1, Nodes: 100, Arcs: 1000},
		{Seed: 2, Nodes: 1000, Arcs: 5000, Sources: 1, Sinks: 50},
		{Seed: 3, Nodes: 400, Arcs: 4000, Supply: 50, MinCost: -10, MaxCost: 10, MinCap: 0, MaxCap: 3},
	} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			n, err := netgen.Generate(p)
			if err != nil {
				t.Fatalf("Generate(%+v): %v", p, err)
			}
			if n.Nodes() != p.Nodes || n.Arcs() != p.Arcs {
				t.Errorf("%d nodes and %d arcs, want %d and %d", n.Nodes(), n.Arcs(), p.Nodes, p.Arcs)
			}
			again, _ := netgen.Generate(p)
			if !reflect.DeepEqual(n, again) {
				t.Error("two networks from the same parameters differ")
			}
			// The skeleton makes every generated network feasible.
			f, err := solver.SolveMCF(context.Background(), n)
			if err != nil {
				t.Fatalf("SolveMCF: %v", err)
			}
			if _, err := solver.Verify(n, f); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestGenerateRejects(t *testing.T) {
	t.Parallel()
	for _, p := range []netgen.Params{
		{Nodes: 1, Arcs: 10},
		{Nodes: 100, Arcs: 10},
		{Nodes: 10, Arcs: 100, Sources: 6, Sinks: 6},
		{Nodes: 10, Arcs: 100, MinCost: 5, MaxCost: 1},
	} {
		if _, err := netgen.Generate(p); err == nil || errors.Is(err, solver.ErrInvalid) {
			t.Errorf("Generate(%+v) = %v, want a parameter error", p, err)
		}
	}
}
