package parquet_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
)

// largePlan returns a plan with n assignments over 50 regions, n/10
// unassigned tasks and n/50 workers, with seeded random distances and costs
// so that the encoders see realistic data rather than patterns.
func largePlan(n int) *paidan.Plan {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	p := &paidan.Plan{
		RunID:     "run-bench",
		Partition: "metro",
		AsOf:      time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		RulesHash: "5f1c0a9e3b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
	}
	workers := max(n/50, 1)
	region := func(i int) string { return fmt.Sprintf("region-%02d", i%50) }
	for i := range n {
		d := rng.Float64() * 40
		p.Assignments = append(p.Assignments, paidan.Assignment{
			Task:       paidan.TaskID(fmt.Sprintf("task-%08d", i)),
			Worker:     paidan.WorkerID(fmt.Sprintf("worker-%06d", rng.IntN(workers))),
			Region:     region(i),
			Priority:   i % 5,
			DistanceKm: d,
			Cost:       paidan.Cost{Travel: 1.8 * d, Balance: rng.Float64() * 5, Stability: float64(rng.IntN(2)) * 15},
			Pinned:     i%100 == 0,
		})
	}
	reasons := paidan.Reasons()
	for i := range n / 10 {
		r := reasons[i%len(reasons)]
		p.Unassigned = append(p.Unassigned, paidan.Unassigned{
			Task:     paidan.TaskID(fmt.Sprintf("task-u%07d", i)),
			Region:   region(i),
			Priority: i % 5,
			Reason:   r,
			Detail:   fmt.Sprintf("%s: %s", region(i), r),
			Penalty:  float64(10*(1+i%5)) + rng.Float64(),
		})
	}
	for i := range workers {
		p.Workers = append(p.Workers, paidan.WorkerUsage{
			Worker: paidan.WorkerID(fmt.Sprintf("worker-%06d", i)), Region: region(i),
			Capacity: 60, Load: i % 10, Assigned: n / workers,
		})
	}
	for i := range 50 {
		p.KPIs.ByRegion = append(p.KPIs.ByRegion, paidan.RegionSummary{Region: region(i)})
	}
	return p
}

func BenchmarkWrite(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("assignments=%d", n), func(b *testing.B) {
			plan := largePlan(n)
			dir := filepath.Join(b.TempDir(), "out")
			ctx := context.Background()
			var fileBytes int64
			b.SetBytes(planBytes(plan))
			b.ReportAllocs()
			for b.Loop() {
				m, err := parquet.Write(ctx, dir, plan, parquet.Options{})
				if err != nil {
					b.Fatal(err)
				}
				fileBytes = 0
				for _, f := range m.Files {
					fileBytes += f.Bytes
				}
			}
			b.ReportMetric(float64(len(plan.Assignments)+len(plan.Unassigned))/b.Elapsed().Seconds()*float64(b.N), "rows/s")
			b.ReportMetric(float64(fileBytes)/float64(len(plan.Assignments)+len(plan.Unassigned)), "file-B/row")
		})
	}
}

// planBytes is the size of the plan's rows in their plain form: string
// lengths plus 8 bytes per number and 1 per bool. The benchmark's MB/s is
// over this figure, the data a plan hands to the encoder.
func planBytes(p *paidan.Plan) int64 {
	var n int
	for _, a := range p.Assignments {
		n += len(p.RunID) + len(a.Task) + len(a.Worker) + len(a.Region) + 7*8 + 1
	}
	for _, u := range p.Unassigned {
		n += len(p.RunID) + len(u.Task) + len(u.Region) + len(u.Reason.String()) + len(u.Detail) + 3*8
	}
	for _, w := range p.Workers {
		n += len(p.RunID) + len(w.Worker) + len(w.Region) + 4*8
	}
	return int64(n)
}
