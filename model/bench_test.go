package model_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/model"
)

// BenchmarkPlan plans generated metro batches (package datasets) of 20
// tasks per worker with the default rules, and reports each stage in ms per
// plan.
func BenchmarkPlan(b *testing.B) {
	for _, size := range []struct {
		name           string
		tasks, workers int
	}{{"1k", 1000, 50}, {"10k", 10_000, 500}, {"100k", 100_000, 5000}} {
		batch := datasets.Generate(datasets.GenOptions{Tasks: size.tasks, Workers: size.workers, Seed: 1})
		b.Run(fmt.Sprintf("tasks=%s", size.name), func(b *testing.B) {
			b.ReportAllocs()
			var sum model.Stats
			for b.Loop() {
				_, st, err := model.Plan(context.Background(), batch, paidan.DefaultRules(), model.Options{})
				if err != nil {
					b.Fatal(err)
				}
				sum.Prune += st.Prune
				sum.Build += st.Build
				sum.Solve += st.Solve
				sum.Verify += st.Verify
				sum.Price += st.Price
				sum.Classify += st.Classify
				sum.Finish += st.Finish
				sum.Rounds += st.Rounds
			}
			n := float64(b.N)
			b.ReportMetric(float64(sum.Prune.Milliseconds())/n, "prune-ms")
			b.ReportMetric(float64(sum.Build.Milliseconds())/n, "build-ms")
			b.ReportMetric(float64(sum.Solve.Milliseconds())/n, "solve-ms")
			b.ReportMetric(float64(sum.Verify.Milliseconds())/n, "verify-ms")
			b.ReportMetric(float64(sum.Price.Milliseconds())/n, "price-ms")
			b.ReportMetric(float64(sum.Classify.Milliseconds())/n, "classify-ms")
			b.ReportMetric(float64(sum.Finish.Milliseconds())/n, "finish-ms")
			b.ReportMetric(float64(sum.Rounds)/n, "rounds")
		})
	}
}

// BenchmarkCertify re-checks the certificate of the plan of a generated
// metro batch (what `paidan verify` does after reading the files), and
// reports its parts in ms and the pairs priced per certify.
func BenchmarkCertify(b *testing.B) {
	for _, size := range []struct {
		name           string
		tasks, workers int
	}{{"10k", 10_000, 500}} {
		batch := datasets.Generate(datasets.GenOptions{Tasks: size.tasks, Workers: size.workers, Seed: 1})
		rules := paidan.DefaultRules()
		plan, _, err := model.Plan(context.Background(), batch, rules, model.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("tasks=%s", size.name), func(b *testing.B) {
			b.ReportAllocs()
			var sum model.Certified
			for b.Loop() {
				c, err := model.Certify(context.Background(), batch, rules, plan, 1)
				if err != nil {
					b.Fatal(err)
				}
				sum.Prepare += c.Prepare
				sum.Check += c.Check
				sum.Price += c.Price
				sum.PricedPairs = c.PricedPairs
			}
			n := float64(b.N)
			b.ReportMetric(float64(sum.Prepare.Microseconds())/1e3/n, "prepare-ms")
			b.ReportMetric(float64(sum.Check.Microseconds())/1e3/n, "check-ms")
			b.ReportMetric(float64(sum.Price.Microseconds())/1e3/n, "price-ms")
			b.ReportMetric(float64(sum.PricedPairs), "pairs")
		})
	}
}
