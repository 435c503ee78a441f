package solver_test

import (
	"context"
	"fmt"
	"math"
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

// BenchmarkSolveLAPGeometric solves square problems whose costs are
// distances between random points (times 100, rounded), the shape of
// dispatch costs, on which shortest path searches run long.
func BenchmarkSolveLAPGeometric(b *testing.B) {
	for _, n := range []int{500, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 3))
			xy := func() []float64 {
				p := make([]float64, 2*n)
				for k := range p {
					p[k] = 1000 * rng.Float64()
				}
				return p
			}
			a, w := xy(), xy()
			d := solver.NewDense(n, n)
			for i := range n {
				for j := range n {
					d.Set(i, j, int64(math.Round(100*math.Hypot(a[2*i]-w[2*j], a[2*i+1]-w[2*j+1]))))
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveLAP(context.Background(), d, solver.LAPOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSolveLAPProduct solves the degenerate family c_ij = i·j, on
// which every column's minimum lies in row 0, the initialization assigns
// almost nothing and every row needs a long shortest path search (the
// product family of scripts/bench-lap).
func BenchmarkSolveLAPProduct(b *testing.B) {
	for _, n := range []int{500, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			d := solver.NewDense(n, n)
			for i := range n {
				for j := range n {
					d.Set(i, j, int64(i*j))
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveLAP(context.Background(), d, solver.LAPOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
