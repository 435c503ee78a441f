package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/model"
)

// TestParquetUnitsAddUp is the property that makes a plan's objective
// reproducible from its files: on every checked-in dataset and on
// generated batches under rules drawn to land on exact halves, the
// objective in units equals the sum of the components written in the
// Parquet files, in units, exactly; every _units column adds up; and every
// cost column is the float64 nearest to its units × resolution.
func TestParquetUnitsAddUp(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		batch *paidan.Batch
		rules paidan.Rules
	}
	var cases []tc
	dirs, err := regressionDirs(datasetsDir, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		ds, err := file.Load(t.Context(), dir, file.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, tc{filepath.Base(dir), ds.Batch, ds.Rules})
	}
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 16))
		b := datasets.Generate(datasets.GenOptions{Tasks: 300, Seed: seed, AsOf: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)})
		r := paidan.DefaultRules()
		// Decimals with few digits at resolutions that make halves likely.
		r.Resolution = []float64{0.001, 0.01, 0.5, 1}[rng.IntN(4)]
		r.Unassigned = paidan.UnassignedPenalty{Base: float64(rng.IntN(40)) + 0.0005, PerPriority: 2.5, PerWaitingHour: 1, MaxWaitingHours: 0.75}
		r.StabilityPenalty = 1.0005
		r.Balance = []paidan.BalanceTier{{Above: 0.29, CostPerTask: 2.0005}, {Above: 0.57, CostPerTask: 2.5}}
		cases = append(cases, tc{fmt.Sprintf("generated/seed=%d/res=%g", seed, r.Resolution), b, r})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, _, err := model.Plan(t.Context(), c.batch, c.rules, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := parquet.Write(t.Context(), dir, p, parquet.Options{}); err != nil {
				t.Fatal(err)
			}
			as, err := parquetgo.ReadFile[parquet.AssignmentRow](filepath.Join(dir, parquet.AssignmentsFile))
			if err != nil {
				t.Fatal(err)
			}
			us, err := parquetgo.ReadFile[parquet.UnassignedRow](filepath.Join(dir, parquet.UnassignedFile))
			if err != nil {
				t.Fatal(err)
			}
			sum, err := parquetgo.ReadFile[parquet.SummaryRow](filepath.Join(dir, parquet.SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			res := sum[0].Resolution
			var total int64
			for _, a := range as {
				if a.CostTotalUnits != a.CostTravelUnits+a.CostBalanceUnits+a.CostStabilityUnits {
					t.Fatalf("task %s: cost_total_units %d is not the sum of %d, %d, %d", a.TaskID, a.CostTotalUnits, a.CostTravelUnits, a.CostBalanceUnits, a.CostStabilityUnits)
				}
				for _, f := range []struct {
					v float64
					u int64
				}{{a.CostTravel, a.CostTravelUnits}, {a.CostBalance, a.CostBalanceUnits}, {a.CostStability, a.CostStabilityUnits}, {a.CostTotal, a.CostTotalUnits}} {
					if f.v != paidan.UnitsValue(f.u, res) {
						t.Fatalf("task %s: cost %v for %d units at %g", a.TaskID, f.v, f.u, res)
					}
				}
				total += a.CostTotalUnits
			}
			for _, u := range us {
				if u.Penalty != paidan.UnitsValue(u.PenaltyUnits, res) {
					t.Fatalf("task %s: penalty %v for %d units at %g", u.TaskID, u.Penalty, u.PenaltyUnits, res)
				}
				total += u.PenaltyUnits
			}
			if o := sum[0]; total != o.ObjectiveUnits || o.TotalCostUnits != o.ObjectiveUnits || o.DualBound != o.ObjectiveUnits || o.Objective != paidan.UnitsValue(total, res) {
				t.Fatalf("files add up to %d units; summary objective %d (%v), total cost %d, dual bound %d", total, o.ObjectiveUnits, o.Objective, o.TotalCostUnits, o.DualBound)
			}
			if len(as)+len(us) != len(c.batch.Tasks) {
				t.Fatalf("%d + %d rows; want %d tasks", len(as), len(us), len(c.batch.Tasks))
			}
		})
	}
}
