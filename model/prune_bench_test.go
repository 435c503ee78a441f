package model

import (
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
)

// BenchmarkPrune measures the prune stage alone (preparing the batch, the
// k-d trees, every task's candidate search and the spill) on generated
// metro batches of 20 tasks per worker, with one and two goroutines.
func BenchmarkPrune(b *testing.B) {
	for _, tasks := range []int{10_000, 100_000} {
		batch := datasets.Generate(datasets.GenOptions{Tasks: tasks, Workers: tasks / 20, Seed: 1})
		for _, parallel := range []int{1, 2} {
			b.Run(fmt.Sprintf("tasks=%dk/parallel=%d", tasks/1000, parallel), func(b *testing.B) {
				b.ReportAllocs()
				arcs := 0
				for b.Loop() {
					in, err := newInstance(batch, paidan.DefaultRules())
					if err != nil {
						b.Fatal(err)
					}
					c, err := in.prune(context.Background(), parallel)
					if err != nil {
						b.Fatal(err)
					}
					extra, err := in.spill(context.Background(), c)
					if err != nil {
						b.Fatal(err)
					}
					arcs = len(c.list)
					for _, e := range extra {
						arcs += len(e)
					}
				}
				b.ReportMetric(float64(arcs), "arcs")
			})
		}
	}
}
