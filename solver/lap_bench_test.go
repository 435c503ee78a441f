package solver_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/solver"
)

// BenchmarkSolveLAP solves square problems of uniform random costs in
// [0, 10^6), the shape of the peer comparison in scripts/bench-lap.
func BenchmarkSolveLAP(b *testing.B) {
	for _, n := range []int{100, 500, 1000, 2000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			d := randomDense(rand.New(rand.NewPCG(uint64(n), 1)), n, n, 0, 1e6, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveLAP(context.Background(), d, solver.LAPOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSolveLAPRect solves wide problems (half as many rows as
// columns), which skip the initialization phases.
func BenchmarkSolveLAPRect(b *testing.B) {
	for _, n := range []int{500, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			d := randomDense(rand.New(rand.NewPCG(uint64(n), 2)), n/2, n, 0, 1e6, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveLAP(context.Background(), d, solver.LAPOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
