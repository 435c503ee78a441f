package dimacs_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver/dimacs"
)

// BenchmarkParse parses NETGEN-style files held in memory; MB/s is the
// figure to read.
func BenchmarkParse(b *testing.B) {
	for _, nodes := range []int{10000, 100000} {
		n, err := netgen.Generate(netgen.Params{Seed: 1, Nodes: nodes, Arcs: 10 * nodes})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := dimacs.Write(&buf, n); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(fmt.Sprintf("arcs=%d", 10*nodes), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dimacs.Parse(context.Background(), bytes.NewReader(data), dimacs.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
