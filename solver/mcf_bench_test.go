package solver_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver"
)

// BenchmarkSolveMCF solves NETGEN-8-style networks (10 arcs per node) of
// growing size; the network is generated outside the timed loop.
func BenchmarkSolveMCF(b *testing.B) {
	for _, nodes := range []int{1000, 10000, 50000} {
		n, err := netgen.Generate(netgen.Params{Seed: 1, Nodes: nodes, Arcs: 10 * nodes})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("nodes=%d/arcs=%d", nodes, 10*nodes), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveMCF(context.Background(), n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
