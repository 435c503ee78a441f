package dispatchgen_test

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

func TestGenerateShape(t *testing.T) {
	t.Parallel()
	c := dispatchgen.Config{Tasks: 500, Workers: 60, Capacity: 9, K: 7, Seed: 3}
	d := dispatchgen.Generate(c)
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !reflect.DeepEqual(d, dispatchgen.Generate(c)) {
		t.Error("two generations of one Config differ")
	}
	if len(d.ArcTask) != c.Tasks*c.K {
		t.Errorf("%d arcs, want %d", len(d.ArcTask), c.Tasks*c.K)
	}
	for w, tiers := range d.Tiers {
		if want := []solver.Tier{{Units: c.Capacity}}; !reflect.DeepEqual(tiers, want) {
			t.Fatalf("worker %d tiers = %v, want %v", w, tiers, want)
		}
	}
	for t0 := range c.Tasks {
		if d.Unassigned[t0] != dispatchgen.LeaveCost {
			t.Fatalf("task %d leave cost = %d, want %d", t0, d.Unassigned[t0], dispatchgen.LeaveCost)
		}
		costs := d.ArcCost[t0*c.K : (t0+1)*c.K]
		if !slices.IsSorted(costs) {
			t.Fatalf("task %d arcs not in order of distance: %v", t0, costs)
		}
	}
}

// TestGenerateNearest checks the grid search against all workers: the k
// arcs of a task are the k cheapest of every worker, since a farther worker
// would cost more.
func TestGenerateNearest(t *testing.T) {
	t.Parallel()
	for _, c := range []dispatchgen.Config{
		{Tasks: 200, Workers: 300, Capacity: 1, K: 20, Seed: 1},
		{Tasks: 50, Workers: 3, Capacity: 1, K: 5, Seed: 2},
		{Tasks: 50, Workers: 1, Capacity: 1, K: 1, Seed: 3},
	} {
		d := dispatchgen.Generate(c)
		all := dispatchgen.Generate(dispatchgen.Config{Tasks: c.Tasks, Workers: c.Workers, Capacity: 1, K: c.Workers, Seed: c.Seed})
		k := min(c.K, c.Workers)
		for t0 := range c.Tasks {
			got := d.ArcCost[t0*k : (t0+1)*k]
			want := all.ArcCost[t0*c.Workers : t0*c.Workers+k]
			if !slices.Equal(got, want) {
				t.Fatalf("%+v task %d: costs %v, want the %d cheapest %v", c, t0, got, k, want)
			}
		}
	}
}

func TestGenerateMetro(t *testing.T) {
	t.Parallel()
	c := dispatchgen.MetroConfig{Tasks: 3000, Workers: 150, Slack: 1.1, Seed: 2}
	d := dispatchgen.GenerateMetro(c)
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !reflect.DeepEqual(d, dispatchgen.GenerateMetro(c)) {
		t.Error("two generations of one MetroConfig differ")
	}
	t.Run("tiers", func(t *testing.T) {
		var units int64
		for w, tiers := range d.Tiers {
			for i, tr := range tiers {
				if i > 0 && tr.Cost <= tiers[i-1].Cost {
					t.Fatalf("worker %d tiers %v: costs not rising", w, tiers)
				}
				if tr.Cost != 0 && tr.Cost != 2000 && tr.Cost != 10000 {
					t.Fatalf("worker %d tier cost %d, want 0, 2000 or 10000", w, tr.Cost)
				}
				units += tr.Units
			}
		}
		if got := float64(units) / float64(c.Tasks); got < 1.0 || got > 1.2 {
			t.Errorf("capacity / tasks = %.3f, want about %.2f", got, c.Slack)
		}
	})
	t.Run("arcs", func(t *testing.T) {
		short, moved := 0, 0
		start := 0
		for t0 := range c.Tasks {
			if u := d.Unassigned[t0]; u < 1_000_000 || u > 3_000_000 {
				t.Fatalf("task %d leave cost %d, want 1e6..3e6", t0, u)
			}
			end := start
			for end < len(d.ArcTask) && d.ArcTask[end] == int32(t0) {
				end++
			}
			if end-start > 20 {
				t.Fatalf("task %d has %d arcs, want at most 20", t0, end-start)
			}
			if end-start < 20 {
				short++
			}
			if !slices.IsSorted(d.ArcCost[start:end]) {
				t.Fatalf("task %d arcs not in order of cost: %v", t0, d.ArcCost[start:end])
			}
			if end > start && d.ArcCost[end-1] >= dispatchgen.StabilityCost && d.ArcCost[start] < dispatchgen.StabilityCost {
				moved++
			}
			start = end
		}
		// Regions and skills leave some tasks fewer than 20 eligible
		// workers; the stability cost shows on some.
		if short == 0 || moved == 0 {
			t.Errorf("%d tasks with fewer than 20 arcs, %d with a previous worker; want some of each", short, moved)
		}
	})
}

// TestMetroFollowsDefaultRules keeps the metro shape's exported stability
// cost equal to paidan.DefaultRules' in units (the tiers read the rules
// directly).
func TestMetroFollowsDefaultRules(t *testing.T) {
	t.Parallel()
	r := paidan.DefaultRules()
	if want := int64(math.Round(r.StabilityPenalty / r.Resolution)); dispatchgen.StabilityCost != want {
		t.Errorf("StabilityCost %d; the default rules give %d units", dispatchgen.StabilityCost, want)
	}
}
