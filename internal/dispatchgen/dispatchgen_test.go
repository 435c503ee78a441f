package dispatchgen_test

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

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

func TestWriteDIMACS(t *testing.T) {
	t.Parallel()
	n := solver.NewNetwork(3)
	n.Supply[0], n.Supply[2] = 2, -2
	n.AddArc(0, 1, 0, 2, 5)
	n.AddArc(1, 2, 1, 2, -3)
	var b bytes.Buffer
	if err := dispatchgen.WriteDIMACS(&b, n); err != nil {
		t.Fatal(err)
	}
	want := "c dispatch-shaped min-cost flow\np min 3 2\nn 1 2\nn 3 -2\na 1 2 0 2 5\na 2 3 1 2 -3\n"
	if b.String() != want {
		t.Errorf("WriteDIMACS =\n%s\nwant\n%s", b.String(), want)
	}
}
