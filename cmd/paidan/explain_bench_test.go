package main

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/model"
)

// BenchmarkExplainSavedPlan measures explain --plan: read the saved plan
// (Parquet, checksums), load its input (tasks and workers as Parquet),
// check both hashes, explain one task against every worker and print it.
// The plan is built without solving (each task on worker i mod W, the
// potentials zero): what is measured reads and checks the same files as
// for a solved plan of that size, and explains against every worker.
//
// cpu-ms/op is the process's CPU time per explanation, which a busy
// machine does not inflate as it does wall time.
//
//	go test ./cmd/paidan -run '^$' -bench ExplainSavedPlan -benchtime 5x
func BenchmarkExplainSavedPlan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			batch := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 1})
			rules := paidan.DefaultRules()
			W := len(batch.Workers)
			p := &paidan.Plan{
				RunID: "bench", AsOf: batch.AsOf, Resolution: rules.Resolution,
				Certificate: paidan.CertificateVerified,
				Workers:     make([]paidan.WorkerUsage, W),
				Potentials:  make([]int64, n+W+1),
				InputHash:   model.InputHash(batch), RulesHash: model.RulesHash(rules),
			}
			for i := range batch.Tasks {
				t := &batch.Tasks[i]
				w := i % W
				p.Assignments = append(p.Assignments, paidan.Assignment{Task: t.ID, Worker: batch.Workers[w].ID, Region: t.Region,
					Cost: paidan.Cost{Travel: 1.5, TravelUnits: 1500}})
				p.Workers[w].Assigned++
			}
			for w := range batch.Workers {
				p.Workers[w].Worker = batch.Workers[w].ID
			}
			dir, err := savePlan(context.Background(), b.TempDir(), &file.Dataset{Batch: batch, Rules: rules}, p)
			if err != nil {
				b.Fatal(err)
			}
			id := batch.Tasks[n/2].ID
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				s, err := loadSavedPlan(context.Background(), dir)
				if err != nil {
					b.Fatal(err)
				}
				sp := s.Plan
				e, err := model.Explain(s.Batch, s.Rules, sp, id)
				if err != nil {
					b.Fatal(err)
				}
				if err := writeExplanation(io.Discard, e, sp, 20); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
