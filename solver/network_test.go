package solver_test

import (
	"math"
	"testing"

	"github.com/paidan/paidan/solver"
)

// diamond is a hand-checked network: 4 units from node 0 to node 3 along
// 0→1→3 (cost 1+1, capacity 3) and 0→2→3 (cost 2+2, capacity 5). The optimum
// sends 3 units along the cheap path and 1 along the dear one: 3·2 + 1·4 = 10.
func diamond() (*solver.Network, *solver.Flow) {
	n := solver.NewNetwork(4)
	n.Supply[0], n.Supply[3] = 4, -4
	n.AddArc(0, 1, 0, 3, 1)
	n.AddArc(1, 3, 0, 3, 1)
	n.AddArc(0, 2, 0, 5, 2)
	n.AddArc(2, 3, 0, 5, 2)
	// Potentials in the convention c̄ = c − π(tail) + π(head): π = −distance
	// along the dear path, the one with slack.
	f := &solver.Flow{
		Flow:      []int64{3, 3, 1, 1},
		Potential: []int64{0, -1, -2, -4},
		Objective: 10,
	}
	return n, f
}

func TestVerifyAcceptsOptimal(t *testing.T) {
	t.Parallel()
	n, f := diamond()
	bound, err := solver.Verify(n, f)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if bound != 10 {
		t.Errorf("dual bound = %d, want 10", bound)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(n *solver.Network, f *solver.Flow)
		want   error
		detail string
	}{
		{"suboptimal flow", func(_ *solver.Network, f *solver.Flow) {
			f.Flow = []int64{2, 2, 2, 2}
			f.Objective = 12
		}, solver.ErrNotOptimal, "arc 1"},
		{"over capacity", func(_ *solver.Network, f *solver.Flow) {
			f.Flow = []int64{4, 4, 0, 0}
			f.Objective = 8
		}, solver.ErrNotOptimal, "outside [0, 3]"},
		{"unbalanced node", func(_ *solver.Network, f *solver.Flow) {
			f.Flow[3] = 0
			f.Objective = 8
		}, solver.ErrNotOptimal, "node 2"},
		{"wrong objective", func(_ *solver.Network, f *solver.Flow) {
			f.Objective = 9
		}, solver.ErrNotOptimal, "objective"},
		{"wrong potentials", func(_ *solver.Network, f *solver.Flow) {
			f.Potential = []int64{0, 0, 0, 0}
		}, solver.ErrNotOptimal, "reduced cost"},
		{"short potentials", func(_ *solver.Network, f *solver.Flow) {
			f.Potential = f.Potential[:3]
		}, solver.ErrNotOptimal, "potentials"},
		{"unbalanced supplies", func(n *solver.Network, _ *solver.Flow) {
			n.Supply[3] = -3
		}, solver.ErrInvalid, "sum to 1"},
		{"arc outside", func(n *solver.Network, _ *solver.Flow) {
			n.Head[1] = 7
		}, solver.ErrInvalid, "arc 1"},
		{"lower above upper", func(n *solver.Network, _ *solver.Flow) {
			n.Lower = []int64{4, 0, 0, 0}
		}, solver.ErrInvalid, "bounds [4, 3]"},
		{"cost overflow", func(n *solver.Network, f *solver.Flow) {
			n.Cost[0] = math.MaxInt64
			f.Potential[0] = -1
		}, solver.ErrOverflow, "arc 0"},
		{"objective overflow", func(n *solver.Network, f *solver.Flow) {
			n.Cost = []int64{math.MaxInt64 / 2, math.MaxInt64 / 2, math.MaxInt64 / 2, math.MaxInt64 / 2}
			f.Potential = []int64{0, -math.MaxInt64 / 2, 0, -(math.MaxInt64 / 2) * 2}
			f.Potential[2] = -math.MaxInt64 / 2
		}, solver.ErrOverflow, "objective"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, f := diamond()
			tt.mutate(n, f)
			_, err := solver.Verify(n, f)
			checkErr(t, "Verify", err, tt.want, tt.detail)
		})
	}
}

func TestVerifyLowerBounds(t *testing.T) {
	t.Parallel()
	// A forced unit on the dear arc 0→2: lower bound 1 makes the flow
	// optimal even though its reduced cost is positive.
	n := solver.NewNetwork(3)
	n.Supply[0], n.Supply[2] = 2, -2
	n.AddArc(0, 2, 0, 5, 1)
	n.AddArc(0, 1, 1, 5, 3)
	n.AddArc(1, 2, 0, 5, 0)
	f := &solver.Flow{Flow: []int64{1, 1, 1}, Potential: []int64{0, -1, -1}, Objective: 4}
	bound, err := solver.Verify(n, f)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if bound != 4 {
		t.Errorf("dual bound = %d, want 4", bound)
	}
}
