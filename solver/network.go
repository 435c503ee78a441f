package solver

import (
	"fmt"
	"math"
	"math/bits"
)

// Network is a min-cost flow problem on a directed graph: node supplies
// (positive) and demands (negative) that sum to zero, and arcs with lower
// and upper flow bounds and a cost per unit of flow.
//
// Nodes are numbered 0..len(Supply)-1. Arc a goes from Tail[a] to Head[a].
// Parallel arcs and self-loops are allowed.
type Network struct {
	Supply []int64 // per node: supply if positive, demand if negative

	Tail, Head []int32
	Lower      []int64 // per arc; nil means every lower bound is zero
	Upper      []int64 // per arc; Upper[a] ≥ Lower[a]
	Cost       []int64 // per arc, per unit of flow; any sign
}

// NewNetwork returns a network of n nodes with no supply and no arcs.
func NewNetwork(n int) *Network {
	return &Network{Supply: make([]int64, n)}
}

// Nodes returns the number of nodes.
func (n *Network) Nodes() int { return len(n.Supply) }

// Arcs returns the number of arcs.
func (n *Network) Arcs() int { return len(n.Tail) }

// AddArc appends an arc from tail to head with flow bounds [lower, upper]
// and unit cost, and returns its index. It does not validate; the solvers
// and Verify do.
func (n *Network) AddArc(tail, head int, lower, upper, cost int64) int {
	if lower != 0 && n.Lower == nil {
		n.Lower = make([]int64, len(n.Tail), cap(n.Tail))
	}
	n.Tail = append(n.Tail, int32(tail))
	n.Head = append(n.Head, int32(head))
	if n.Lower != nil {
		n.Lower = append(n.Lower, lower)
	}
	n.Upper = append(n.Upper, upper)
	n.Cost = append(n.Cost, cost)
	return len(n.Tail) - 1
}

// lower returns the lower bound of arc a.
func (n *Network) lower(a int) int64 {
	if n.Lower == nil {
		return 0
	}
	return n.Lower[a]
}

// Validate checks the network's shape: slice lengths, node indices, bounds
// (0 ≤ lower ≤ upper) and balanced supplies. It returns an error wrapping
// ErrInvalid or ErrOverflow that names the offending arc or node.
func (n *Network) Validate() error {
	m := len(n.Tail)
	if len(n.Head) != m || len(n.Upper) != m || len(n.Cost) != m || (n.Lower != nil && len(n.Lower) != m) {
		return fmt.Errorf("%w: arc slices differ in length (tail %d, head %d, lower %d, upper %d, cost %d)",
			ErrInvalid, m, len(n.Head), len(n.Lower), len(n.Upper), len(n.Cost))
	}
	nodes := int32(len(n.Supply))
	for a := range m {
		t, h := n.Tail[a], n.Head[a]
		if t < 0 || t >= nodes || h < 0 || h >= nodes {
			return fmt.Errorf("%w: arc %d (%d→%d) has an endpoint outside 0..%d", ErrInvalid, a, t, h, nodes-1)
		}
		if lo := n.lower(a); lo < 0 || lo > n.Upper[a] {
			return fmt.Errorf("%w: arc %d (%d→%d) has bounds [%d, %d]; want 0 ≤ lower ≤ upper", ErrInvalid, a, t, h, lo, n.Upper[a])
		}
	}
	var sum int64
	for v, s := range n.Supply {
		var ok bool
		if sum, ok = addInt64(sum, s); !ok {
			return fmt.Errorf("%w: total supply at node %d", ErrOverflow, v)
		}
	}
	if sum != 0 {
		return fmt.Errorf("%w: supplies sum to %d; want 0", ErrInvalid, sum)
	}
	return nil
}

// Flow is a solution of a Network with its optimality certificate.
type Flow struct {
	Flow      []int64 // per arc
	Potential []int64 // per node: the dual certificate, see Verify
	Objective int64   // Σ Cost[a]·Flow[a]
	Stats     Stats
}

// Verify proves that f is an optimal flow of n, in O(nodes + arcs) integer
// operations. It checks
//
//   - feasibility: Lower[a] ≤ Flow[a] ≤ Upper[a] on every arc and flow
//     conservation (out − in = Supply) at every node;
//   - optimality by complementary slackness: with the reduced cost
//     c̄(a) = Cost[a] − Potential[Tail[a]] + Potential[Head[a]], an arc with
//     c̄ < 0 is at its upper bound and an arc with c̄ > 0 at its lower bound
//     (Ahuja, Magnanti and Orlin, Network Flows, 1993, Theorem 9.8);
//   - that f.Objective equals the primal cost.
//
// These conditions make the dual objective Σ Supply·Potential + Σ_{c̄>0}
// Lower·c̄ + Σ_{c̄<0} Upper·c̄ equal to the primal cost, which is therefore
// minimal. Verify returns that common value as the dual bound. Errors wrap
// ErrNotOptimal (naming the arc or node), ErrInvalid or ErrOverflow.
func Verify(n *Network, f *Flow) (dualBound int64, err error) {
	if err := n.Validate(); err != nil {
		return 0, err
	}
	m, nodes := n.Arcs(), n.Nodes()
	if len(f.Flow) != m || len(f.Potential) != nodes {
		return 0, fmt.Errorf("%w: flow has %d arcs and %d potentials; want %d and %d",
			ErrNotOptimal, len(f.Flow), len(f.Potential), m, nodes)
	}
	excess := make([]int64, nodes) // Supply − (out − in), must end at zero
	copy(excess, n.Supply)
	var primal, dual acc
	for v, s := range n.Supply {
		dual.addProduct(s, f.Potential[v])
	}
	for a := range m {
		x, lo, up := f.Flow[a], n.lower(a), n.Upper[a]
		t, h := n.Tail[a], n.Head[a]
		if x < lo || x > up {
			return 0, fmt.Errorf("%w: arc %d (%d→%d) carries %d outside [%d, %d]", ErrNotOptimal, a, t, h, x, lo, up)
		}
		var okT, okH bool
		excess[t], okT = subInt64(excess[t], x)
		excess[h], okH = addInt64(excess[h], x)
		if !okT || !okH {
			return 0, fmt.Errorf("%w: flow balance at arc %d", ErrOverflow, a)
		}
		rc, ok := subInt64(n.Cost[a], f.Potential[t])
		if ok {
			rc, ok = addInt64(rc, f.Potential[h])
		}
		if !ok {
			return 0, fmt.Errorf("%w: reduced cost of arc %d", ErrOverflow, a)
		}
		switch {
		case rc < 0 && x != up:
			return 0, fmt.Errorf("%w: arc %d (%d→%d) has reduced cost %d < 0 but flow %d below its upper bound %d",
				ErrNotOptimal, a, t, h, rc, x, up)
		case rc > 0 && x != lo:
			return 0, fmt.Errorf("%w: arc %d (%d→%d) has reduced cost %d > 0 but flow %d above its lower bound %d",
				ErrNotOptimal, a, t, h, rc, x, lo)
		}
		primal.addProduct(n.Cost[a], x)
		dual.addProduct(rc, x) // x equals the bound the dual charges
	}
	for v, e := range excess {
		if e != 0 {
			return 0, fmt.Errorf("%w: node %d is out of balance by %d (supply %d)", ErrNotOptimal, v, e, n.Supply[v])
		}
	}
	p, ok := primal.int64()
	if !ok {
		return 0, fmt.Errorf("%w: objective", ErrOverflow)
	}
	if p != f.Objective {
		return 0, fmt.Errorf("%w: objective is %d but the flow costs %d", ErrNotOptimal, f.Objective, p)
	}
	d, ok := dual.int64()
	if !ok || d != p {
		return 0, fmt.Errorf("%w: dual objective differs from primal %d", ErrNotOptimal, p)
	}
	return d, nil
}

// acc is a 128-bit signed accumulator, so that sums of int64 products never
// overflow silently.
type acc struct {
	hi int64
	lo uint64
}

// addProduct adds a·b to the accumulator.
func (s *acc) addProduct(a, b int64) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if neg && (hi|lo) != 0 { // two's complement negation of (hi, lo)
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, lo, 0)
	s.hi += int64(hi) + int64(carry)
}

// int64 returns the accumulated value if it fits in an int64.
func (s acc) int64() (int64, bool) {
	v := int64(s.lo)
	if (v < 0 && s.hi == -1) || (v >= 0 && s.hi == 0) {
		return v, true
	}
	return 0, false
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // correct for math.MinInt64 too, in two's complement
	}
	return uint64(a)
}

// addInt64 returns a+b and whether it did not overflow.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// subInt64 returns a-b and whether it did not overflow.
func subInt64(a, b int64) (int64, bool) {
	if b == math.MinInt64 {
		return 0, false
	}
	return addInt64(a, -b)
}
