package model_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/solver"
)

// TestCostUnitsExact checks the cost rule of the README ("Cost model") on
// cases whose units were worked out by hand, each an exact half or a
// threshold hit exactly, where rounding through float64 used to give a
// different unit: every rational component is computed from the exact
// decimals of its inputs and rounded half away from zero.
func TestCostUnitsExact(t *testing.T) {
	t.Parallel()
	// one puts task t0 (created waited ago) at the worker's location, so
	// travel is 0 km.
	one := func(waited time.Duration, previous string) paidan.Task {
		tk := task("t0", 0)
		tk.CreatedAt = asOf.Add(-waited)
		tk.PreviousWorker = paidan.WorkerID(previous)
		return tk
	}
	type want struct {
		assigned                        bool
		travel, balance, stability, pen int64 // units
		value                           float64
	}
	tests := []struct {
		name  string
		rules func(*paidan.Rules)
		tasks []paidan.Task
		work  []paidan.Worker
		want  want
	}{
		{
			// 1.0005 / 0.001 = 1000.5 exactly → 1001 (float64 gave 1000).
			name:  "stability 1.0005 at 0.001",
			rules: func(r *paidan.Rules) { r.StabilityPenalty = 1.0005; r.Balance = nil },
			tasks: []paidan.Task{one(0, "gone")},
			work:  []paidan.Worker{worker("w0", 0, 1)},
			want:  want{assigned: true, stability: 1001, value: 1.001},
		},
		{
			// A capacity-1 worker's one unit is at utilisation 1 > 0.5:
			// 2.0005 / 0.001 = 2000.5 → 2001.
			name:  "tier 2.0005 at 0.001",
			rules: func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 2.0005}} },
			tasks: []paidan.Task{one(0, "")},
			work:  []paidan.Worker{worker("w0", 0, 1)},
			want:  want{assigned: true, balance: 2001, value: 2.001},
		},
		{
			// 2.5 / 1 → 3.
			name:  "stability 2.5 at resolution 1",
			rules: func(r *paidan.Rules) { r.Resolution = 1; r.StabilityPenalty = 2.5; r.Balance = nil },
			tasks: []paidan.Task{one(0, "gone")},
			work:  []paidan.Worker{worker("w0", 0, 1)},
			want:  want{assigned: true, stability: 3, value: 3},
		},
		{
			// (1000 + 10 × 2.34/3600) / 0.001 = 1000006.5 → 1000007
			// (float64 gave 1000006).
			name:  "waited 2.34 s, default rules",
			tasks: []paidan.Task{one(2340*time.Millisecond, "")},
			want:  want{pen: 1000007, value: 1000.007},
		},
		{
			// 4446 s is 1.235 h exactly (float64: 1.2349999999999999):
			// (1000 + 10 × 1.235) / 0.001 = 1012350.
			name:  "waited 4446 s, default rules",
			tasks: []paidan.Task{one(4446*time.Second, "")},
			want:  want{pen: 1012350, value: 1012.35},
		},
		{
			// (1000 + 1 × 1.235) / 0.01 = 100123.5 → 100124.
			name:  "waited 4446 s at 0.01",
			rules: func(r *paidan.Rules) { r.Resolution = 0.01; r.Unassigned.PerWaitingHour = 1 },
			tasks: []paidan.Task{one(4446*time.Second, "")},
			want:  want{pen: 100124, value: 1001.24},
		},
		{
			// 2565 s = 0.7125 h: (20 + 0.7125) / 0.001 = 20712.5 → 20713.
			name: "waited 2565 s, per_waiting_hour 1",
			rules: func(r *paidan.Rules) {
				r.Unassigned = paidan.UnassignedPenalty{Base: 20, PerWaitingHour: 1}
			},
			tasks: []paidan.Task{one(2565*time.Second, "")},
			want:  want{pen: 20713, value: 20.713},
		},
		{
			// Waiting counts at most 1 h: (1000 + 500·0 + 10 × 1) / 0.001.
			name:  "waited 3 h, capped at 1 h",
			rules: func(r *paidan.Rules) { r.Unassigned.MaxWaitingHours = 1 },
			tasks: []paidan.Task{one(3*time.Hour, "")},
			want:  want{pen: 1010000, value: 1010},
		},
		{
			// A cap of 0.5 h = 1800 s; 900.5 s counts in full: 10 × 900.5 /
			// 3600 / 0.001 = 2501.3888… → 1002501.
			name:  "waited under a fractional cap",
			rules: func(r *paidan.Rules) { r.Unassigned.MaxWaitingHours = 0.5 },
			tasks: []paidan.Task{one(900500*time.Millisecond, "")},
			want:  want{pen: 1002501, value: 1002.501},
		},
		{
			// 1e-9: 1000 / 1e-9 = 1e12 units.
			name:  "tiny resolution 1e-9",
			rules: func(r *paidan.Rules) { r.Resolution = 1e-9; r.Unassigned.PerWaitingHour = 0 },
			tasks: []paidan.Task{one(time.Hour, "")},
			want:  want{pen: 1e12, value: 1000},
		},
		{
			// 1500 / 1000 = 1.5 → 2 units, worth 2000.
			name: "huge resolution 1000",
			rules: func(r *paidan.Rules) {
				r.Resolution = 1000
				r.Unassigned = paidan.UnassignedPenalty{Base: 1500}
			},
			tasks: []paidan.Task{one(time.Hour, "")},
			want:  want{pen: 2, value: 2000},
		},
		{
			// 5 / 1e6 = 0.000005 → 0 units: the stability penalty vanishes.
			name:  "huge resolution 1e6 rounds small costs to 0",
			rules: func(r *paidan.Rules) { r.Resolution = 1e6; r.Unassigned.Base = 2e6; r.Balance = nil },
			tasks: []paidan.Task{one(0, "gone")},
			work:  []paidan.Worker{worker("w0", 0, 1)},
			want:  want{assigned: true, value: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := paidan.DefaultRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			p := mustPlan(t, &paidan.Batch{AsOf: asOf, Tasks: tt.tasks, Workers: tt.work}, r)
			w := tt.want
			if w.assigned {
				if len(p.Assignments) != 1 {
					t.Fatalf("assignments %+v; want t0 assigned", p.Assignments)
				}
				c := p.Assignments[0].Cost
				if c.TravelUnits != w.travel || c.BalanceUnits != w.balance || c.StabilityUnits != w.stability || c.Total() != w.value {
					t.Fatalf("cost %+v; want travel %d, balance %d, stability %d units, total %g", c, w.travel, w.balance, w.stability, w.value)
				}
				if p.ObjectiveUnits != c.TotalUnits() {
					t.Fatalf("objective %d units; want %d", p.ObjectiveUnits, c.TotalUnits())
				}
				return
			}
			if len(p.Unassigned) != 1 {
				t.Fatalf("unassigned %+v; want t0", p.Unassigned)
			}
			if u := p.Unassigned[0]; u.PenaltyUnits != w.pen || u.Penalty != w.value || p.ObjectiveUnits != w.pen || p.Objective != w.value {
				t.Fatalf("penalty %d units (%v), objective %d (%v); want %d units (%v)", u.PenaltyUnits, u.Penalty, p.ObjectiveUnits, p.Objective, w.pen, w.value)
			}
		})
	}
}

// TestBalanceThresholdExact checks that a utilisation equal to a tier's
// threshold does not cross it, compared exactly: 29/100 is not above 0.29
// and 3/10 is not above 0.3, although 0.29 × 100 is 28.999999999999996 in
// float64.
func TestBalanceThresholdExact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		above          float64
		capacity, load int
		free           int // new tasks before the tier's cost applies
	}{
		{above: 0.29, capacity: 100, load: 27, free: 2},  // 28, 29 free; 30 costs
		{above: 0.3, capacity: 10, load: 1, free: 2},     // 2, 3 free; 4 costs
		{above: 0.57, capacity: 100, load: 55, free: 2},  // 0.57 × 100 = 56.99999999999999 in float64
		{above: 0.7, capacity: 1000, load: 698, free: 2}, // 0.7 × 1000 = 700 exactly
		{above: 0, capacity: 3, load: 0, free: 0},        // every task is above 0
	} {
		r := simpleRules()
		r.Balance = []paidan.BalanceTier{{Above: tc.above, CostPerTask: 1}}
		b := &paidan.Batch{AsOf: asOf, Workers: []paidan.Worker{worker("w0", 0, tc.capacity)}}
		b.Workers[0].Load = tc.load
		n := tc.free + 2
		for i := range n {
			b.Tasks = append(b.Tasks, task(string(rune('a'+i)), 0))
		}
		p := mustPlan(t, b, r)
		if len(p.Assignments) != n {
			t.Fatalf("above %g, capacity %d, load %d: %d assignments; want %d", tc.above, tc.capacity, tc.load, len(p.Assignments), n)
		}
		if want := int64(2 * 1000); p.ObjectiveUnits != want {
			t.Errorf("above %g, capacity %d, load %d: objective %d units; want %d (%d free tasks, then 2 at 1000 units)",
				tc.above, tc.capacity, tc.load, p.ObjectiveUnits, want, tc.free)
		}
	}
}

// TestCostUnitsOverflow checks the bound of 2^53 units per cost.
func TestCostUnitsOverflow(t *testing.T) {
	t.Parallel()
	r := paidan.DefaultRules()
	r.Resolution = 1e-9
	r.Unassigned.Base = 1e7 // 1e16 units > 2^53 ≈ 9.007e15
	b := &paidan.Batch{AsOf: asOf, Tasks: []paidan.Task{task("t0", 0)}}
	if _, _, err := model.Plan(context.Background(), b, r, model.Options{}); !errors.Is(err, solver.ErrOverflow) {
		t.Fatalf("Plan: %v; want %v", err, solver.ErrOverflow)
	}
	r.Unassigned.Base = 9e6 // 9e15 units fit
	r.Unassigned.PerWaitingHour = 0
	if p := mustPlan(t, b, r); p.ObjectiveUnits != 9e15 {
		t.Fatalf("objective %d units; want 9e15", p.ObjectiveUnits)
	}
}

// TestUnitsValue checks that unit counts convert to the float64 nearest to
// their exact value, without the noise of a float multiplication.
func TestUnitsValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		units int64
		res   float64
		want  float64
	}{
		{4895, 0.001, 4.895}, // 4895 × 0.001 = 4.8950000000000005 in float64
		{3, 0.1, 0.3},        // 3 × 0.1 = 0.30000000000000004
		{7, 1e-9, 7e-9},
		{2, 1000, 2000},
		{-1001, 0.001, -1.001},
		{1 << 53, 0.001, 9007199254740.992},
		{123, 0.25, 30.75},
		{5, 1e30, 5e30},
	} {
		if got := paidan.UnitsValue(tc.units, tc.res); got != tc.want {
			t.Errorf("UnitsValue(%d, %g) = %v; want %v", tc.units, tc.res, got, tc.want)
		}
	}
}
