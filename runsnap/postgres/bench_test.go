package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// BenchmarkPreparedRunHeap measures what one kept run of n tasks holds in
// memory once prepared for explanations (the live heap after a GC, with
// the run in an Explainer's cache, less the live heap before): the cost of
// each run that paidan serve --explain-cache keeps. Each iteration
// prepares the run in a new Explainer.
func BenchmarkPreparedRunHeap(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db := pgtest.New(b)
			seedPartition(b, db, "north", n, 7)
			locker := &jobspg.Locker{DB: db}
			r := &jobs.Runner{Source: &jobspg.Source{DB: db}, Writer: &jobspg.Writer{DB: db, Locker: locker}, Locker: locker,
				Rules: paidan.DefaultRules(), Inputs: &runsnappg.Keeper{DB: db, Version: "bench", TmpDir: b.TempDir()}}
			res := r.Run(ctx, "north")
			if res.Status != paidan.RunApplied || res.Err != nil {
				b.Fatalf("run: %v %v", res.Status, res.Err)
			}
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			liveHeap := func() uint64 {
				runtime.GC()
				metrics.Read(live)
				return live[0].Value.Uint64()
			}
			var held uint64
			for b.Loop() {
				before := liveHeap()
				e := &runsnappg.Explainer{DB: db, TmpDir: b.TempDir(), Cache: 1}
				if err := e.Prefetch(ctx, res.RunID); err != nil {
					b.Fatal(err)
				}
				if after := liveHeap(); after > before {
					held = max(held, after-before)
				}
				if s := e.Stats(); len(s.Cached) != 1 {
					b.Fatalf("cached %v; want the run", s.Cached)
				}
				runtime.KeepAlive(e)
			}
			b.ReportMetric(float64(held)/(1<<20), "held-MB")
		})
	}
}
