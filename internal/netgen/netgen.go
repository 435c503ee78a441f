// Package netgen generates seeded random min-cost flow networks in the
// style of NETGEN (Klingman, Napier and Stutz, "NETGEN: A program for
// generating large scale capacitated assignment, transportation, and
// minimum cost flow network problems", Management Science 20, 1974), the
// generator behind most published min-cost flow benchmarks.
//
// It feeds the benchmarks of the general min-cost flow solver
// (solver.SolveMCF, BenchmarkSolveMCF, scripts/bench-mcf) and is no part
// of the dispatch pipeline.
package netgen

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paidan/paidan/solver"
)

// Params describe a network to generate. Zero fields take the defaults of
// the NETGEN-8 family as used by Kovács (2015): √Nodes sources and sinks,
// total supply 1000·√Nodes, costs in [1, 10000], capacities in [1, 1000].
type Params struct {
	Seed    uint64 // random seed; equal Params give equal networks
	Nodes   int    // nodes, at least 2
	Arcs    int    // arcs in total; at least the skeleton's (about Nodes + Sinks)
	Sources int    // supply nodes; zero means ⌊√Nodes⌋
	Sinks   int    // demand nodes; zero means ⌊√Nodes⌋
	Supply  int64  // total supply, at least max(Sources, Sinks); zero means 1000·⌊√Nodes⌋
	MinCost int64  // cost range; both zero means [1, 10000]
	MaxCost int64
	MinCap  int64 // capacity range of non-skeleton arcs; both zero means [1, 1000]
	MaxCap  int64
}

// Generate returns the network described by p, or an error naming the
// parameter that cannot work.
//
// Nodes 0..Sources-1 are sources, the last Sinks nodes are sinks and the
// rest transshipment nodes. A skeleton makes the network feasible: each
// source heads a chain through its share of the transshipment nodes, the
// chain ends form a ring, and every sink hangs from a chain end; skeleton
// arcs can carry the total supply. The other arcs join random distinct
// nodes with random costs and capacities. Arcs are sorted by tail, as
// NETGEN writes them.
func Generate(p Params) (*solver.Network, error) {
	if p.Nodes < 2 {
		return nil, fmt.Errorf("netgen: %d nodes; want at least 2", p.Nodes)
	}
	root := int(math.Sqrt(float64(p.Nodes)))
	if p.Sources == 0 {
		p.Sources = root
	}
	if p.Sinks == 0 {
		p.Sinks = root
	}
	if p.Sources < 1 || p.Sinks < 1 || p.Sources+p.Sinks > p.Nodes {
		return nil, fmt.Errorf("netgen: %d sources and %d sinks do not fit in %d nodes", p.Sources, p.Sinks, p.Nodes)
	}
	if p.Supply == 0 {
		p.Supply = 1000 * int64(root)
	}
	if p.MinCost == 0 && p.MaxCost == 0 {
		p.MinCost, p.MaxCost = 1, 10000
	}
	if p.MinCap == 0 && p.MaxCap == 0 {
		p.MinCap, p.MaxCap = 1, 1000
	}
	if p.MaxCost < p.MinCost || p.MaxCap < p.MinCap || p.MinCap < 0 || p.Supply < int64(max(p.Sources, p.Sinks)) {
		return nil, fmt.Errorf("netgen: bad ranges: cost [%d, %d], capacity [%d, %d], supply %d",
			p.MinCost, p.MaxCost, p.MinCap, p.MaxCap, p.Supply)
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x6e657467656e))
	n := solver.NewNetwork(p.Nodes)
	spread(rng, n.Supply[:p.Sources], p.Supply, 1)
	spread(rng, n.Supply[p.Nodes-p.Sinks:], p.Supply, -1)

	type arc struct {
		t, h      int32
		cap, cost int64
	}
	arcs := make([]arc, 0, p.Arcs)
	cost := func() int64 { return p.MinCost + rng.Int64N(p.MaxCost-p.MinCost+1) }
	// Skeleton: chains from each source through a random share of the
	// transshipment nodes.
	trans := rng.Perm(p.Nodes - p.Sources - p.Sinks)
	ends := make([]int32, p.Sources)
	for s := range p.Sources {
		ends[s] = int32(s)
	}
	for _, t := range trans {
		s := rng.IntN(p.Sources)
		v := int32(p.Sources + t)
		arcs = append(arcs, arc{ends[s], v, p.Supply, cost()})
		ends[s] = v
	}
	for s := range p.Sources {
		if p.Sources > 1 {
			arcs = append(arcs, arc{ends[s], ends[(s+1)%p.Sources], p.Supply, cost()})
		}
	}
	for k := range p.Sinks {
		arcs = append(arcs, arc{ends[rng.IntN(p.Sources)], int32(p.Nodes - p.Sinks + k), p.Supply, cost()})
	}
	if len(arcs) > p.Arcs {
		return nil, fmt.Errorf("netgen: %d arcs; the skeleton alone needs %d", p.Arcs, len(arcs))
	}
	for len(arcs) < p.Arcs {
		t, h := rng.IntN(p.Nodes), rng.IntN(p.Nodes)
		if t == h {
			continue
		}
		arcs = append(arcs, arc{int32(t), int32(h), p.MinCap + rng.Int64N(p.MaxCap-p.MinCap+1), cost()})
	}
	slices.SortStableFunc(arcs, func(a, b arc) int { return cmp.Compare(a.t, b.t) })
	for _, a := range arcs {
		n.AddArc(int(a.t), int(a.h), 0, a.cap, a.cost)
	}
	return n, nil
}

// spread splits total into len(out) positive parts at random, each
// multiplied by sign.
func spread(rng *rand.Rand, out []int64, total int64, sign int64) {
	k := int64(len(out))
	for i := range out {
		out[i] = total / k
	}
	out[0] += total % k
	// Move random amounts between random pairs, keeping each part ≥ 1.
	for range len(out) {
		i, j := rng.IntN(len(out)), rng.IntN(len(out))
		if out[i] > 1 {
			d := rng.Int64N(out[i])
			out[i] -= d
			out[j] += d
		}
	}
	for i := range out {
		out[i] *= sign
	}
}
