package solver_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver"
)

// solveMCFVerified solves n by the network simplex and runs every result
// through solver.Verify.
func solveMCFVerified(tb testing.TB, n *solver.Network) (*solver.Flow, error) {
	tb.Helper()
	return solveVerified(tb, solver.SolveMCF, n)
}

// solveVerified solves n with solve and runs every result through
// solver.Verify, failing the test when it does not certify the objective.
func solveVerified(tb testing.TB, solve func(context.Context, *solver.Network) (*solver.Flow, error), n *solver.Network) (*solver.Flow, error) {
	tb.Helper()
	f, err := solve(context.Background(), n)
	if err != nil {
		return nil, err
	}
	bound, verr := solver.Verify(n, f)
	if verr != nil {
		tb.Fatalf("Verify: %v", verr)
	}
	if bound != f.Objective {
		tb.Fatalf("dual bound %d, objective %d", bound, f.Objective)
	}
	return f, nil
}

// TestSolveMCFGolden checks hand-solved instances. Provenance of each
// optimum is in its comment.
func TestSolveMCFGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func() *solver.Network
		want  int64
	}{
		{
			// The diamond of network_test.go: 3 units at cost 2, 1 at cost 4.
			name: "diamond",
			build: func() *solver.Network {
				n := solver.NewNetwork(4)
				n.Supply[0], n.Supply[3] = 4, -4
				n.AddArc(0, 1, 0, 3, 1)
				n.AddArc(1, 3, 0, 3, 1)
				n.AddArc(0, 2, 0, 5, 2)
				n.AddArc(2, 3, 0, 5, 2)
				return n
			},
			want: 10,
		},
		{
			// Hand-solved transportation problem: supplies 3 and 2,
			// demands 4 and 1. Shop 3 takes its unit from warehouse 1
			// (cost 1); shop 2 takes 3 from warehouse 0 (1 each) and the
			// last from warehouse 1 (2): 3 + 2 + 1 = 6.
			name: "transportation",
			build: func() *solver.Network {
				n := solver.NewNetwork(4)
				n.Supply = []int64{3, 2, -4, -1}
				n.AddArc(0, 2, 0, 10, 1)
				n.AddArc(0, 3, 0, 10, 5)
				n.AddArc(1, 2, 0, 10, 2)
				n.AddArc(1, 3, 0, 10, 1)
				return n
			},
			want: 6,
		},
		{
			// A negative cycle 0→1→2→0 of capacity 2 and cost −3 per
			// unit, no supplies: the optimum saturates it, −6.
			name: "negative cycle",
			build: func() *solver.Network {
				n := solver.NewNetwork(3)
				n.AddArc(0, 1, 0, 2, -2)
				n.AddArc(1, 2, 0, 5, 1)
				n.AddArc(2, 0, 0, 2, -2)
				return n
			},
			want: -6,
		},
		{
			// Lower bound forces 2 units over the dear arc 0→1 (cost 5);
			// the remaining 1 unit of supply takes the cheap arc (cost 1):
			// 2·5 + 1·1 = 11.
			name: "lower bound",
			build: func() *solver.Network {
				n := solver.NewNetwork(2)
				n.Supply = []int64{3, -3}
				n.AddArc(0, 1, 2, 4, 5)
				n.AddArc(0, 1, 0, 4, 1)
				return n
			},
			want: 11,
		},
		{
			// An uncapacitated path is used for everything: 7 units × 2.
			name: "infinite capacity",
			build: func() *solver.Network {
				n := solver.NewNetwork(3)
				n.Supply = []int64{7, 0, -7}
				n.AddArc(0, 1, 0, solver.Infinite, 1)
				n.AddArc(1, 2, 0, solver.Infinite, 1)
				n.AddArc(0, 2, 0, 100, 3)
				return n
			},
			want: 14,
		},
		{
			// A self-loop of negative cost is saturated (it is its own
			// cycle): 4 · −1; the unit of supply goes direct at 2.
			name: "self-loop",
			build: func() *solver.Network {
				n := solver.NewNetwork(2)
				n.Supply = []int64{1, -1}
				n.AddArc(0, 0, 0, 4, -1)
				n.AddArc(0, 1, 0, 1, 2)
				return n
			},
			want: -2,
		},
		{
			name:  "empty",
			build: func() *solver.Network { return solver.NewNetwork(0) },
			want:  0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := solveMCFVerified(t, tt.build())
			if err != nil {
				t.Fatalf("SolveMCF: %v", err)
			}
			if f.Objective != tt.want {
				t.Errorf("objective = %d, want %d", f.Objective, tt.want)
			}
		})
	}
}

func TestSolveMCFErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		build  func() *solver.Network
		want   error
		detail string
	}{
		{"no route", func() *solver.Network {
			n := solver.NewNetwork(3)
			n.Supply = []int64{2, 0, -2}
			n.AddArc(0, 1, 0, 5, 1)
			return n
		}, solver.ErrInfeasible, "node 0 cannot ship 2 units"},
		{"too little capacity", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.Supply = []int64{5, -5}
			n.AddArc(0, 1, 0, 3, 1)
			return n
		}, solver.ErrInfeasible, "2 units"},
		{"lower bound unmet", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 1, 3, 1)
			return n
		}, solver.ErrInfeasible, "node 1"},
		{"unbalanced", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.Supply = []int64{1, 0}
			return n
		}, solver.ErrInvalid, "sum to 1"},
		{"huge cost", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 0, 1, math.MaxInt64/4)
			return n
		}, solver.ErrOverflow, "cost"},
		{"min cost", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 0, 1, math.MinInt64)
			return n
		}, solver.ErrOverflow, "arc 0"},
		{"huge capacities", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 0, math.MaxInt64-1, 1)
			n.AddArc(0, 1, 0, math.MaxInt64-1, 1)
			return n
		}, solver.ErrOverflow, "capacity"},
		{"uncapacitated arcs over a huge bound", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 0, math.MaxInt64/2, 1)
			n.AddArc(0, 1, 0, solver.Infinite, 1)
			n.AddArc(1, 0, 0, solver.Infinite, 1)
			return n
		}, solver.ErrOverflow, "2 uncapacitated arcs"},
		{"bound exactly MaxInt64 with an uncapacitated arc", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.Supply = []int64{1, -1}
			n.AddArc(0, 1, 0, math.MaxInt64-1, 1)
			n.AddArc(1, 0, 0, solver.Infinite, 1)
			return n
		}, solver.ErrOverflow, "1 uncapacitated arcs"},
		{"negative uncapacitated cycle", func() *solver.Network {
			n := solver.NewNetwork(2)
			n.AddArc(0, 1, 0, solver.Infinite, -1)
			n.AddArc(1, 0, 0, solver.Infinite, 0)
			return n
		}, solver.ErrUnbounded, "cycle of negative cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := solver.SolveMCF(context.Background(), tt.build())
			checkErr(t, "SolveMCF", err, tt.want, tt.detail)
		})
	}
}

// randomNetwork returns a small network with lower bounds, negative costs,
// parallel arcs, self-loops and mixed supplies; some are infeasible.
// Uncapacitated arcs have non-negative cost, so none is unbounded.
func randomNetwork(rng *rand.Rand, maxNodes, maxArcs int) *solver.Network {
	return randomNetworkCosts(rng, maxNodes, maxArcs, false)
}

// randomNetworkCosts is randomNetwork, with negative costs allowed on
// uncapacitated arcs when negInf is set.
func randomNetworkCosts(rng *rand.Rand, maxNodes, maxArcs int, negInf bool) *solver.Network {
	nodes := 1 + rng.IntN(maxNodes)
	n := solver.NewNetwork(nodes)
	arcs := rng.IntN(maxArcs + 1)
	for range arcs {
		lo := int64(0)
		if rng.IntN(4) == 0 {
			lo = rng.Int64N(3)
		}
		up := lo + rng.Int64N(8)
		if rng.IntN(10) == 0 {
			up = solver.Infinite
		}
		cost := rng.Int64N(21) - 5
		if up == solver.Infinite && cost < 0 && !negInf {
			cost = -cost
		}
		n.AddArc(rng.IntN(nodes), rng.IntN(nodes), lo, up, cost)
	}
	var sum int64
	for v := range nodes - 1 {
		n.Supply[v] = rng.Int64N(9) - 4
		sum += n.Supply[v]
	}
	n.Supply[nodes-1] = -sum
	return n
}

// TestSolveMCFAgainstLP compares objectives with gonum's dense LP simplex
// on random small networks, and with the successive shortest path solver
// below.
func TestSolveMCFAgainstLP(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var feasible, infeasible int
	for i := range 600 {
		n := randomNetwork(rng, 10, 24)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, err := solveMCFVerified(t, n)
			lpObj, lpOK := lpMinCost(t, n)
			sspObj, sspOK := sspMinCost(n)
			if lpOK != sspOK {
				t.Fatalf("oracles disagree on feasibility: LP %v, SSP %v", lpOK, sspOK)
			}
			if !lpOK {
				infeasible++
				if !errors.Is(err, solver.ErrInfeasible) {
					t.Fatalf("SolveMCF err = %v, want ErrInfeasible", err)
				}
				return
			}
			feasible++
			if err != nil {
				t.Fatalf("SolveMCF: %v", err)
			}
			if f.Objective != lpObj || f.Objective != sspObj {
				t.Errorf("objective = %d, want %d (LP) and %d (SSP)", f.Objective, lpObj, sspObj)
			}
		})
	}
	if feasible < 100 || infeasible < 50 {
		t.Errorf("only %d feasible and %d infeasible instances; widen the generator", feasible, infeasible)
	}
}

// lpMinCost solves n as a linear program in standard form with gonum's
// Simplex: a variable per arc for flow above the lower bound and one for
// its slack below the upper bound. Uncapacitated arcs get the capacity
// Σ|supply| + Σ finite capacities, which no optimal basic flow exceeds.
// Conservation rows are kept for all but one node per connected component,
// so that the matrix has full row rank. It reports whether n is feasible.
func lpMinCost(tb testing.TB, n *solver.Network) (int64, bool) {
	tb.Helper()
	nodes, arcs := n.Nodes(), n.Arcs()
	lower := func(a int) int64 {
		if n.Lower == nil {
			return 0
		}
		return n.Lower[a]
	}
	supply := append([]int64(nil), n.Supply...)
	var big int64
	for v := range nodes {
		big += max(supply[v], -supply[v])
	}
	for a := range arcs {
		supply[n.Tail[a]] -= lower(a)
		supply[n.Head[a]] += lower(a)
		if n.Upper[a] != solver.Infinite {
			big += n.Upper[a] - lower(a)
		}
	}
	// Components by union-find; an unbalanced component is infeasible.
	comp := make([]int, nodes)
	for v := range comp {
		comp[v] = v
	}
	find := func(v int) int {
		for comp[v] != v {
			comp[v] = comp[comp[v]]
			v = comp[v]
		}
		return v
	}
	for a := range arcs {
		comp[find(int(n.Tail[a]))] = find(int(n.Head[a]))
	}
	compSum := make(map[int]int64)
	for v := range nodes {
		compSum[find(v)] += supply[v]
	}
	for _, s := range compSum {
		if s != 0 {
			return 0, false
		}
	}
	var objBase int64
	for a := range arcs {
		objBase += n.Cost[a] * lower(a)
	}
	if arcs == 0 {
		return objBase, true
	}
	row := make([]int, nodes) // conservation row of node v, or -1
	rows := 0
	for v := range nodes {
		if find(v) == v {
			row[v] = -1
			continue
		}
		row[v] = rows
		rows++
	}
	rows += arcs
	A := mat.NewDense(rows, 2*arcs, nil)
	b := make([]float64, rows)
	c := make([]float64, 2*arcs)
	for v := range nodes {
		if row[v] >= 0 {
			b[row[v]] = float64(supply[v])
		}
	}
	for a := range arcs {
		c[a] = float64(n.Cost[a])
		if r := row[n.Tail[a]]; r >= 0 {
			A.Set(r, a, A.At(r, a)+1)
		}
		if r := row[n.Head[a]]; r >= 0 {
			A.Set(r, a, A.At(r, a)-1)
		}
		r := rows - arcs + a
		A.Set(r, a, 1)
		A.Set(r, arcs+a, 1)
		if n.Upper[a] == solver.Infinite {
			b[r] = float64(big)
		} else {
			b[r] = float64(n.Upper[a] - lower(a))
		}
	}
	opt, _, err := lp.Simplex(c, A, b, 1e-10, nil)
	if errors.Is(err, lp.ErrInfeasible) {
		return 0, false
	}
	if err != nil {
		tb.Fatalf("lp.Simplex: %v", err)
	}
	return objBase + int64(math.Round(opt)), true
}

// sspMinCost is an independent, simple min-cost flow: saturate every arc
// of negative cost, then route the remaining excesses by successive
// shortest paths (Bellman–Ford on the residual network, which then has no
// negative cycle). Uncapacitated arcs have non-negative cost here and are
// given a capacity no optimal flow needs to exceed. It reports whether n is
// feasible.
func sspMinCost(n *solver.Network) (int64, bool) {
	nodes, arcs := n.Nodes(), n.Arcs()
	type edge struct {
		to, rev int
		cap     int64
		cost    int64
	}
	g := make([][]edge, nodes)
	excess := append([]int64(nil), n.Supply...)
	var big, obj int64
	for _, s := range n.Supply {
		big += max(s, -s)
	}
	for a := range arcs {
		if n.Upper[a] != solver.Infinite {
			big += n.Upper[a]
		}
	}
	for a := range arcs {
		t, h := int(n.Tail[a]), int(n.Head[a])
		lo := int64(0)
		if n.Lower != nil {
			lo = n.Lower[a]
		}
		up := n.Upper[a]
		if up == solver.Infinite {
			up = lo + big
		}
		x := lo
		if n.Cost[a] < 0 {
			x = up
		}
		obj += x * n.Cost[a]
		excess[t] -= x
		excess[h] += x
		if t == h {
			continue
		}
		g[t] = append(g[t], edge{h, len(g[h]), up - x, n.Cost[a]})
		g[h] = append(g[h], edge{t, len(g[t]) - 1, x - lo, -n.Cost[a]})
	}
	for {
		src := -1
		for v := range nodes {
			if excess[v] > 0 {
				src = v
				break
			}
		}
		if src < 0 {
			return obj, true
		}
		const inf = math.MaxInt64 / 4
		dist := make([]int64, nodes)
		prev := make([][2]int, nodes) // node, edge index
		for v := range dist {
			dist[v] = inf
		}
		dist[src] = 0
		for range nodes {
			for u := range nodes {
				if dist[u] == inf {
					continue
				}
				for i, e := range g[u] {
					if e.cap > 0 && dist[u]+e.cost < dist[e.to] {
						dist[e.to] = dist[u] + e.cost
						prev[e.to] = [2]int{u, i}
					}
				}
			}
		}
		dst := -1
		for v := range nodes {
			if excess[v] < 0 && dist[v] < inf && (dst < 0 || dist[v] < dist[dst]) {
				dst = v
			}
		}
		if dst < 0 {
			return 0, false
		}
		d := min(excess[src], -excess[dst])
		for v := dst; v != src; v = prev[v][0] {
			d = min(d, g[prev[v][0]][prev[v][1]].cap)
		}
		for v := dst; v != src; v = prev[v][0] {
			e := &g[prev[v][0]][prev[v][1]]
			e.cap -= d
			g[v][e.rev].cap += d
			obj += d * e.cost
		}
		excess[src] -= d
		excess[dst] += d
	}
}

func TestSolveMCFDeterministic(t *testing.T) {
	t.Parallel()
	n := gridNetwork(30, 7)
	first, err := solveMCFVerified(t, n)
	if err != nil {
		t.Fatalf("SolveMCF: %v", err)
	}
	for range 3 {
		again, err := solveMCFVerified(t, n)
		if err != nil {
			t.Fatalf("SolveMCF: %v", err)
		}
		if fmt.Sprint(again.Flow, again.Potential) != fmt.Sprint(first.Flow, first.Potential) {
			t.Fatal("two solves of one network differ")
		}
	}
}

func TestSolveMCFCancel(t *testing.T) {
	t.Parallel()
	t.Run("before", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := solver.SolveMCF(ctx, gridNetwork(20, 3))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("during", func(t *testing.T) {
		t.Parallel()
		n := gridNetwork(120, 5)
		full, err := solver.SolveMCF(context.Background(), n)
		if err != nil {
			t.Fatalf("SolveMCF: %v", err)
		}
		_, err = solver.SolveMCF(&lateCancel{Context: context.Background()}, n)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		// The poll inside the pivot loop must have stopped it.
		var pivots int64
		msg := err.Error()
		i := strings.Index(msg, "stopped after")
		if i < 0 {
			t.Fatalf("err = %q, want it to say after how many pivots it stopped", msg)
		}
		if _, serr := fmt.Sscanf(msg[i:], "stopped after %d pivots", &pivots); serr != nil {
			t.Fatalf("err = %q: %v", msg, serr)
		}
		if pivots <= 0 || pivots >= full.Stats.Iterations {
			t.Errorf("stopped after %d pivots; the full solve takes %d", pivots, full.Stats.Iterations)
		}
	})
}

// lateCancel is a context cancelled right after the solver's first check:
// Err reports nil until Done has been called, and Done is closed.
type lateCancel struct {
	context.Context
	asked bool
}

func (c *lateCancel) Done() <-chan struct{} {
	c.asked = true
	ch := make(chan struct{})
	close(ch)
	return ch
}

func (c *lateCancel) Err() error {
	if c.asked {
		return context.Canceled
	}
	return nil
}

// gridNetwork returns a side×side grid with arcs both ways between
// neighbours, pseudo-random costs and capacities from seed, and 10 units
// from the top-left corner to the bottom-right one. Capacities are at
// least 5 and every cut crosses two arcs, so it is always feasible.
func gridNetwork(side int, seed uint64) *solver.Network {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := solver.NewNetwork(side * side)
	id := func(r, c int) int { return r*side + c }
	for r := range side {
		for c := range side {
			if c+1 < side {
				n.AddArc(id(r, c), id(r, c+1), 0, 5+rng.Int64N(20), rng.Int64N(100))
				n.AddArc(id(r, c+1), id(r, c), 0, 5+rng.Int64N(20), rng.Int64N(100))
			}
			if r+1 < side {
				n.AddArc(id(r, c), id(r+1, c), 0, 5+rng.Int64N(20), rng.Int64N(100))
				n.AddArc(id(r+1, c), id(r, c), 0, 5+rng.Int64N(20), rng.Int64N(100))
			}
		}
	}
	n.Supply[0], n.Supply[side*side-1] = 10, -10
	return n
}

// TestSolveMCFAgainstSSP compares objectives with the successive shortest
// path solver on larger random networks than the LP oracle handles.
func TestSolveMCFAgainstSSP(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		n := randomNetwork(rng, 60, 400)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, err := solveMCFVerified(t, n)
			want, ok := sspMinCost(n)
			switch {
			case !ok && !errors.Is(err, solver.ErrInfeasible):
				t.Fatalf("SolveMCF err = %v, want ErrInfeasible", err)
			case ok && err != nil:
				t.Fatalf("SolveMCF: %v", err)
			case ok && f.Objective != want:
				t.Errorf("objective = %d, want %d (SSP)", f.Objective, want)
			}
		})
	}
}

// TestSolveMCFUnbounded checks ErrUnbounded against a Bellman–Ford search
// for a negative cycle among the uncapacitated arcs, on random networks
// whose uncapacitated arcs may cost less than zero.
func TestSolveMCFUnbounded(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	var unbounded int
	for i := range 1000 {
		n := randomNetworkCosts(rng, 8, 20, true)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, err := solveMCFVerified(t, n)
			want, feasible := sspMinCost(n)
			switch {
			case !feasible:
				if !errors.Is(err, solver.ErrInfeasible) {
					t.Fatalf("SolveMCF err = %v, want ErrInfeasible", err)
				}
			case hasNegativeInfiniteCycle(n):
				unbounded++
				if !errors.Is(err, solver.ErrUnbounded) {
					t.Fatalf("SolveMCF = %v, %v; want ErrUnbounded", f, err)
				}
			case err != nil:
				t.Fatalf("SolveMCF: %v", err)
			case f.Objective != want:
				t.Errorf("objective = %d, want %d (SSP)", f.Objective, want)
			}
		})
	}
	if unbounded < 20 {
		t.Errorf("only %d unbounded instances; widen the generator", unbounded)
	}
}

// hasNegativeInfiniteCycle reports whether the uncapacitated arcs of n
// contain a cycle of negative cost (Bellman–Ford from a virtual source).
func hasNegativeInfiniteCycle(n *solver.Network) bool {
	dist := make([]int64, n.Nodes())
	for range n.Nodes() + 1 {
		changed := false
		for a := range n.Arcs() {
			if n.Upper[a] != solver.Infinite {
				continue
			}
			if d := dist[n.Tail[a]] + n.Cost[a]; d < dist[n.Head[a]] {
				dist[n.Head[a]] = d
				changed = true
			}
		}
		if !changed {
			return false
		}
	}
	return true
}

// TestSolveMCFLEMONReference checks objectives of generated networks
// against LEMON 1.3.1: each figure is what both NetworkSimplex and
// CostScaling report for the DIMACS file written by
// "go run ./internal/cmd/genflow" with the same parameters
// ("lemon_mcf --alg both FILE", ../shared/peers).
func TestSolveMCFLEMONReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    netgen.Params
		want int64
	}{
		{"netgen-8 1000/10000", netgen.Params{Seed: 1, Nodes: 1000, Arcs: 10000}, 228199981},
		{"negative costs 3000/30000", netgen.Params{Seed: 2, Nodes: 3000, Arcs: 30000, MinCost: -50, MaxCost: 500, MinCap: 0, MaxCap: 40}, 113921707},
		{"transportation-like 2000/16000", netgen.Params{Seed: 3, Nodes: 2000, Arcs: 16000, Sources: 900, Sinks: 900}, 144140716},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := netgen.Generate(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := solveMCFVerified(t, n)
			if err != nil {
				t.Fatalf("SolveMCF: %v", err)
			}
			if f.Objective != tt.want {
				t.Errorf("objective = %d, want %d (LEMON)", f.Objective, tt.want)
			}
		})
	}
}

// TestSolveMCFExtremeValues solves random networks whose costs sit just
// under the overflow bound (max|Cost|+1)·(nodes+1)·8 ≤ MaxInt64, so that
// potentials and reduced costs run near the int64 range. Every optimum
// must verify; the objective may overflow, and then the error must say so.
func TestSolveMCFExtremeValues(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	var solved int
	for i := range 300 {
		n := randomNetwork(rng, 10, 30)
		limit := math.MaxInt64/8/int64(n.Nodes()+1) - 1
		for a := range n.Cost {
			n.Cost[a] = limit - rng.Int64N(3)
			if rng.IntN(2) == 0 {
				n.Cost[a] = -n.Cost[a]
			}
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := solveMCFVerified(t, n)
			switch {
			case err == nil:
				solved++
			case errors.Is(err, solver.ErrInfeasible), errors.Is(err, solver.ErrUnbounded), errors.Is(err, solver.ErrOverflow):
			default:
				t.Fatalf("SolveMCF: %v", err)
			}
		})
	}
	if solved < 50 {
		t.Errorf("only %d of 300 extreme networks solved", solved)
	}
	// One more unit of cost must be refused before solving.
	n := solver.NewNetwork(2)
	n.AddArc(0, 1, 0, 1, math.MaxInt64/8/3)
	if _, err := solver.SolveMCF(context.Background(), n); !errors.Is(err, solver.ErrOverflow) {
		t.Errorf("cost above the bound: err = %v, want ErrOverflow", err)
	}
}

// TestSolveMCFFromGrownTree solves random networks from the optimal tree of
// a part of their arcs (the first ones; as a pricing round grows a
// network) and compares with the cold solve; a network grown by nothing
// starts at its optimum and makes no pivot.
func TestSolveMCFFromGrownTree(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 9))
	var warm int
	for i := range 400 {
		n := randomNetwork(rng, 40, 300)
		k := n.Arcs() - rng.IntN(n.Arcs()/4+1)
		for a := k; a < n.Arcs() && n.Lower != nil; a++ {
			n.Lower[a] = 0 // added arcs start empty, as candidate arcs do
		}
		cold, err := solver.SolveMCF(context.Background(), n)
		if err != nil {
			continue // infeasible or unbounded: nothing to grow from
		}
		sub := solver.NewNetwork(n.Nodes())
		copy(sub.Supply, n.Supply)
		for a := range k {
			lo := int64(0)
			if n.Lower != nil {
				lo = n.Lower[a]
			}
			sub.AddArc(int(n.Tail[a]), int(n.Head[a]), lo, n.Upper[a], n.Cost[a])
		}
		f, ok, _, err := solver.SolveMCFGrown(context.Background(), sub, n)
		if err != nil {
			if _, serr := solver.SolveMCF(context.Background(), sub); serr != nil {
				continue // the part alone is infeasible
			}
			t.Fatalf("network %d grown from %d arcs: %v", i, k, err)
		}
		if !ok {
			t.Fatalf("network %d grown from %d arcs: the tree was refused", i, k)
		}
		warm++
		if f.Objective != cold.Objective {
			t.Fatalf("network %d grown from %d arcs: objective %d, want %d", i, k, f.Objective, cold.Objective)
		}
		if _, err := solver.Verify(n, f); err != nil {
			t.Fatalf("network %d grown from %d arcs: %v", i, k, err)
		}
		if k == n.Arcs() {
			if _, _, pivots, _ := solver.SolveMCFGrown(context.Background(), n, n); pivots != 0 {
				t.Errorf("network %d from its own optimal tree: %d pivots, want 0", i, pivots)
			}
		}
	}
	if warm < 150 {
		t.Errorf("%d networks solved from a grown tree, want at least 150", warm)
	}
}

// TestShiftThread shifts every segment of a cyclic thread in random node
// order, of every length and start, and checks that exactly the segment's
// nodes moved, each by sigma.
func TestShiftThread(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, nodes := range []int{1, 2, 3, 8, 11} {
		order := rng.Perm(nodes)
		thread, rev := make([]int32, nodes), make([]int32, nodes)
		for i, u := range order {
			next := order[(i+1)%nodes]
			thread[u], rev[next] = int32(next), int32(u)
		}
		for start := range nodes {
			for n := 0; n <= nodes; n++ {
				pi := make([]int64, nodes)
				for u := range pi {
					pi[u] = int64(100 * u)
				}
				first, last := order[start], order[(start+n-1+nodes)%nodes]
				solver.ShiftThread(pi, thread, rev, int32(first), int32(last), int32(n), -7)
				in := make(map[int]bool)
				for i := range n {
					in[order[(start+i)%nodes]] = true
				}
				for u, p := range pi {
					want := int64(100 * u)
					if in[u] {
						want -= 7
					}
					if p != want {
						t.Fatalf("%d nodes, segment of %d from position %d: node %d has %d, want %d", nodes, n, start, u, p, want)
					}
				}
			}
		}
	}
}
