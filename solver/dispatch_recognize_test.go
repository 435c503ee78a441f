package solver_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paidan/paidan/solver"
)

func TestAsDispatchRoundTrip(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2000) {
		d := randomDispatch(rand.New(rand.NewPCG(seed, 3)))
		if d.Tasks == 0 {
			continue // no supply, no sink: not recognised, see TestAsDispatchRejects
		}
		n := d.Network()
		got, m, ok := solver.AsDispatch(n)
		if !ok {
			t.Fatalf("seed %d: AsDispatch rejects the network of a valid dispatch", seed)
		}
		want := *d
		normalize(&want)
		normalize(got)
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("seed %d: AsDispatch = %+v, want %+v", seed, got, &want)
		}
		r, err := solver.SolveDispatch(context.Background(), got)
		if errors.Is(err, solver.ErrInfeasible) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: SolveDispatch: %v", seed, err)
		}
		if bound, err := solver.Verify(n, m.Flow(r)); err != nil || bound != r.Objective {
			t.Fatalf("seed %d: Verify of the mapped flow = %d, %v; want %d, nil", seed, bound, err, r.Objective)
		}
	}
}

// normalize makes nil and empty slices alike for comparison.
func normalize(d *solver.Dispatch) {
	for w, tiers := range d.Tiers {
		if len(tiers) == 0 {
			d.Tiers[w] = nil
		}
	}
	if len(d.Pinned) == 0 {
		d.Pinned = nil
	}
	if len(d.ArcTask) == 0 {
		d.ArcTask, d.ArcWorker, d.ArcCost = []int32{}, []int32{}, []int64{}
	}
}

// scrambled returns d's network with nodes renumbered, arcs shuffled, every
// tier of more than one unit split in two parallel arcs, and zero-capacity
// decoy arcs.
func scrambled(rng *rand.Rand, d *solver.Dispatch) *solver.Network {
	base := d.Network()
	perm := rng.Perm(base.Nodes())
	n := solver.NewNetwork(base.Nodes())
	for v, s := range base.Supply {
		n.Supply[perm[v]] = s
	}
	type arc struct {
		t, h         int
		lo, up, cost int64
	}
	var arcs []arc
	for a := range base.Arcs() {
		lo := int64(0)
		if base.Lower != nil {
			lo = base.Lower[a]
		}
		t, h := perm[base.Tail[a]], perm[base.Head[a]]
		if int(base.Tail[a]) >= d.Tasks && base.Upper[a] > 1 { // split a tier
			arcs = append(arcs, arc{t, h, 0, 1, base.Cost[a]}, arc{t, h, 0, base.Upper[a] - 1, base.Cost[a]})
			continue
		}
		arcs = append(arcs, arc{t, h, lo, base.Upper[a], base.Cost[a]})
		if rng.IntN(4) == 0 {
			arcs = append(arcs, arc{h, t, 0, 0, -3}) // a decoy the shape ignores
		}
	}
	rng.Shuffle(len(arcs), func(i, j int) { arcs[i], arcs[j] = arcs[j], arcs[i] })
	for _, a := range arcs {
		n.AddArc(a.t, a.h, a.lo, a.up, a.cost)
	}
	return n
}

func TestAsDispatchScrambled(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 5))
		d := randomDispatch(rng)
		if d.Tasks == 0 {
			continue
		}
		n := scrambled(rng, d)
		got, m, ok := solver.AsDispatch(n)
		if !ok {
			t.Fatalf("seed %d: AsDispatch rejects a scrambled dispatch network", seed)
		}
		want, wantErr := solver.SolveDispatch(context.Background(), d)
		r, err := solver.SolveDispatch(context.Background(), got)
		if err != nil || wantErr != nil {
			if !errors.Is(err, solver.ErrInfeasible) || !errors.Is(wantErr, solver.ErrInfeasible) {
				t.Fatalf("seed %d: SolveDispatch error = %v and %v, want both infeasible", seed, err, wantErr)
			}
			continue
		}
		if r.Objective != want.Objective {
			t.Fatalf("seed %d: objective = %d, want %d", seed, r.Objective, want.Objective)
		}
		if bound, err := solver.Verify(n, m.Flow(r)); err != nil || bound != want.Objective {
			t.Fatalf("seed %d: Verify of the mapped flow = %d, %v; want %d, nil", seed, bound, err, want.Objective)
		}
	}
}

func TestDispatchMapNode(t *testing.T) {
	t.Parallel()
	// Nodes: 0 worker, 1 task, 2 sink, 3 task, 4 worker.
	n := solver.NewNetwork(5)
	n.Supply[1], n.Supply[3], n.Supply[2] = 1, 1, -2
	n.AddArc(1, 0, 0, 1, 3)
	n.AddArc(3, 4, 0, 1, 3)
	n.AddArc(0, 2, 0, 1, 0)
	n.AddArc(4, 2, 0, 1, 0)
	d, m, ok := solver.AsDispatch(n)
	if !ok {
		t.Fatal("AsDispatch rejects the network")
	}
	if d.Tasks != 2 || d.Workers != 2 {
		t.Fatalf("AsDispatch gives %d tasks and %d workers, want 2 and 2", d.Tasks, d.Workers)
	}
	// Dispatch nodes: tasks 0, 1; workers 2, 3; sink 4.
	for v, want := range []int{1, 3, 0, 4, 2, -1} {
		if got := m.Node(v); got != want {
			t.Errorf("Node(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestAsDispatchRejects(t *testing.T) {
	t.Parallel()
	// base: tasks 0, 1; workers 2, 3; sink 4.
	base := func() *solver.Network {
		n := solver.NewNetwork(5)
		n.Supply[0], n.Supply[1], n.Supply[4] = 1, 1, -2
		n.AddArc(0, 2, 0, 1, 5)
		n.AddArc(1, 3, 0, 1, 5)
		n.AddArc(2, 4, 0, 1, 0)
		n.AddArc(3, 4, 0, 1, 0)
		n.AddArc(1, 4, 0, 1, 100)
		return n
	}
	if _, _, ok := solver.AsDispatch(base()); !ok {
		t.Fatal("AsDispatch rejects the base network")
	}
	tests := []struct {
		name   string
		mutate func(n *solver.Network)
	}{
		{"invalid network", func(n *solver.Network) { n.Supply[4] = -1 }},
		{"supply two", func(n *solver.Network) { n.Supply[0], n.Supply[4] = 2, -3 }},
		{"two sinks", func(n *solver.Network) { n.Supply[3], n.Supply[4] = -1, -1 }},
		{"no sink", func(n *solver.Network) { *n = *solver.NewNetwork(2) }},
		{"worker to worker", func(n *solver.Network) { n.AddArc(2, 3, 0, 1, 1) }},
		{"worker to task", func(n *solver.Network) { n.AddArc(2, 0, 0, 1, 1) }},
		{"task to task", func(n *solver.Network) { n.AddArc(0, 1, 0, 1, 1) }},
		{"sink out", func(n *solver.Network) { n.AddArc(4, 2, 0, 1, 1) }},
		{"lower bound two", func(n *solver.Network) { n.AddArc(0, 3, 2, 2, 1) }},
		{"tier lower bound", func(n *solver.Network) { n.AddArc(2, 4, 1, 1, 1) }},
		{"forced leave", func(n *solver.Network) { n.AddArc(0, 4, 1, 1, 1) }},
		{"two leave arcs", func(n *solver.Network) { n.AddArc(1, 4, 0, 1, 7) }},
		{"leave cost NoLeave", func(n *solver.Network) { n.Cost[4] = solver.NoLeave }},
		{"duplicate pair", func(n *solver.Network) { n.AddArc(0, 2, 0, 1, 4) }},
		{"two pins", func(n *solver.Network) { n.AddArc(0, 3, 1, 1, 4); n.AddArc(0, 2, 1, 1, 4) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := base()
			tt.mutate(n)
			if d, _, ok := solver.AsDispatch(n); ok {
				t.Errorf("AsDispatch accepts it as %+v", d)
			}
		})
	}
}
