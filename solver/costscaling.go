package solver

import (
	"context"
	"fmt"
	"math"
)

// SolveMCFCostScaling returns a minimum-cost flow of n with its optimality
// certificate, as SolveMCF does, by cost scaling instead of the network
// simplex. Stats.Algorithm is "cost-scaling" and Stats.Iterations counts
// relabels. The result passes Verify; its flow may differ from SolveMCF's
// when the optimum is not unique, its objective does not.
//
// # Algorithm
//
// Goldberg's cost-scaling push-relabel method (Goldberg and Tarjan, Math.
// of OR 15, 1990; Goldberg, J. Algorithms 22, 1997), in the engineering of
// LEMON's CostScaling with its default partial augmentations (Kovács,
// Optimization Methods and Software 30, 2015). Costs are multiplied by
// nodes+1, so that a flow that is 1-optimal in the scaled costs (every
// residual arc of reduced cost ≥ −1) has no negative cycle in the original
// costs (a cycle has at most `nodes` arcs, and its scaled cost is a
// multiple of nodes+1) and is therefore optimal. Starting from ε equal to
// the largest scaled cost divided by α = 16, each phase (refine):
//
//   - saturates every residual arc of negative reduced cost, which makes
//     the pseudoflow 0-optimal and leaves excesses and deficits;
//   - takes the nodes of positive excess in FIFO order and from each one
//     follows admissible arcs (reduced cost < 0) for up to 4 arcs or until
//     a node of deficit, relabelling a node without an admissible arc
//     (its price falls until its cheapest residual arc has reduced cost −ε),
//     then pushes as much as the path and the excess allow along it;
//   - every `nodes` relabels in the first phase and every nodes + (supply
//     nodes)² relabels after it (LEMON's interval), runs a global price
//     update (Goldberg 1997,
//     §4.2): a bucket-based Dijkstra search backwards from the deficits over
//     reduced costs in units of ε, lowering each price by its distance, so
//     that admissible paths lead straight to the deficits;
//
// then ε is divided by α, down to 1.
//
// The final prices are exact for the scaled costs only. SolveMCFCostScaling
// turns them into an exact certificate for the original costs: the prices
// divided by nodes+1 and rounded down leave every residual arc at reduced
// cost ≥ −1, and a label-correcting shortest-path pass over the residual
// arcs of the optimal flow (Bellman–Ford with a FIFO queue) repairs that;
// by the 1-optimality of the prices no node's potential falls by more than
// one, so the pass takes O(arcs) time. Verify's convention holds: reduced
// cost c − Potential[tail] + Potential[head].
//
// # Bounds and errors
//
// Lower bounds are removed by substitution. An arc with Upper == Infinite
// is solved with the capacity B+1, B being the total positive supply plus
// all finite capacities (no basic optimum sends more), and left residual
// in the certificate pass; a negative cycle found there means the network
// is unbounded (ErrUnbounded). A feasible network keeps every node of
// positive excess within 2·nodes·ε of its price at the start of the phase
// (Goldberg and Tarjan 1990, Lemma 5.8); an excess that falls further, or
// that the global update finds no residual path from to a deficit, cannot
// be shipped, and SolveMCFCostScaling returns an error wrapping
// ErrInfeasible that names the node. It returns ErrOverflow when a scaled
// cost exceeds 2⁶⁰ or when the total of supplies and capacities exceeds
// int64, both before solving, or when a price leaves ±2⁶¹ while solving
// (far beyond what the price bounds of a feasible network make likely);
// errors of Validate and the context's error, wrapped, as SolveMCF.
//
// The result depends only on n. SolveMCFCostScaling does not modify n and
// is safe to call concurrently on the same network.
func SolveMCFCostScaling(ctx context.Context, n *Network) (*Flow, error) {
	return solveMCFWith(ctx, n, "cost-scaling", newCostScaling)
}

func (s *costScaling) iterations() int64 { return s.relabels }

// Parameters of the cost scaling, as LEMON's defaults.
const (
	csAlpha      = 16      // ε is divided by csAlpha between phases
	csPathLength = 4       // arcs of a partial augmenting path
	csMaxCost    = 1 << 60 // largest scaled |cost|
	csMaxPrice   = 1 << 61 // largest |price| while solving
)

// csArc is a residual arc, kept together because every scan reads its
// head, capacity and cost: rev is the index of the opposite residual arc.
type csArc struct {
	head, rev int32
	cost      int64 // scaled by nodes+1
	cap       int64 // residual capacity
}

// costScaling is the working state of one cost scaling solve. The residual
// arcs of node u are arc[first[u]:first[u+1]]; the forward residual arc of
// network arc a is fwd[a].
type costScaling struct {
	nodes int
	first []int32
	arc   []csArc
	fwd   []int32
	inf   []bool // per residual arc: forward arc of an uncapacitated arc; nil when none is

	excess []int64
	price  []int64 // reduced cost of arc (u,v): cost + price[u] − price[v]
	phase0 []int64 // prices at the start of the current phase
	next   []int32 // current arc per node
	scale  int64   // nodes+1
	eps    int64

	queue  []int32 // active nodes, FIFO from head
	qhead  int
	onPath []bool
	path   []int32 // residual arcs of the current partial path

	// Global update buckets: doubly linked lists of nodes by rank.
	rank             []int32
	bucket           []int32
	bnext, bprev     []int32
	relabels, update int64
	phases           int
	work, polls      int64
}

// newCostScaling builds the residual graph with scaled costs, after
// checking that nothing can overflow. n must be valid.
func newCostScaling(n *Network) (*costScaling, error) {
	nodes, arcs := n.Nodes(), n.Arcs()
	if nodes >= math.MaxInt32/2 || arcs >= math.MaxInt32/4 {
		return nil, fmt.Errorf("%w: %d nodes and %d arcs exceed the int32 indices", ErrOverflow, nodes, arcs)
	}
	scale := int64(nodes) + 1
	var maxCost int64
	for a, c := range n.Cost {
		if c == math.MinInt64 {
			return nil, fmt.Errorf("%w: cost of arc %d", ErrOverflow, a)
		}
		maxCost = max(maxCost, c, -c)
	}
	if m, ok := mulInt64(maxCost, scale); !ok || m > csMaxCost {
		return nil, fmt.Errorf("%w: max |cost| %d times %d nodes exceeds 2^60", ErrOverflow, maxCost, scale)
	}
	s := &costScaling{
		nodes:  nodes,
		first:  make([]int32, nodes+1),
		arc:    make([]csArc, 2*arcs),
		fwd:    make([]int32, arcs),
		excess: make([]int64, nodes),
		price:  make([]int64, nodes),
		scale:  scale,
	}
	copy(s.excess, n.Supply)
	var bound int64 // B: positive supply plus finite capacities
	ninf := 0
	for a := range arcs {
		if lo := n.lower(a); lo != 0 {
			t, h := n.Tail[a], n.Head[a]
			var okT, okH bool
			s.excess[t], okT = subInt64(s.excess[t], lo)
			s.excess[h], okH = addInt64(s.excess[h], lo)
			if !okT || !okH {
				return nil, fmt.Errorf("%w: supply after the lower bound of arc %d", ErrOverflow, a)
			}
		}
		if n.Upper[a] == Infinite {
			ninf++
			continue
		}
		var ok bool
		if bound, ok = addInt64(bound, n.Upper[a]-n.lower(a)); !ok {
			return nil, fmt.Errorf("%w: total capacity at arc %d", ErrOverflow, a)
		}
	}
	for _, e := range s.excess {
		var ok bool
		if e > 0 {
			if bound, ok = addInt64(bound, e); !ok {
				return nil, fmt.Errorf("%w: total supply", ErrOverflow)
			}
		}
	}
	infCap := bound + 1
	if ninf > 0 {
		total, ok := mulInt64(int64(ninf), infCap)
		if ok {
			_, ok = addInt64(total, bound)
		}
		if bound == math.MaxInt64 || !ok {
			return nil, fmt.Errorf("%w: total capacity with %d uncapacitated arcs", ErrOverflow, ninf)
		}
		s.inf = make([]bool, 2*arcs)
	}

	// Counting sort of the residual arcs by tail.
	for a := range arcs {
		s.first[n.Tail[a]]++
		s.first[n.Head[a]]++
	}
	sum := int32(0)
	for u := range nodes {
		c := s.first[u]
		s.first[u] = sum
		sum += c
	}
	s.first[nodes] = sum
	fill := make([]int32, nodes)
	copy(fill, s.first[:nodes])
	for a := range arcs {
		t, h := n.Tail[a], n.Head[a]
		i := fill[t]
		fill[t]++
		j := fill[h] // after the increment: a self-loop's two arcs differ
		fill[h]++
		c := n.Cost[a] * scale
		up := n.Upper[a] - n.lower(a)
		if n.Upper[a] == Infinite {
			up = infCap
			s.inf[i] = true
		}
		s.arc[i] = csArc{head: h, rev: j, cost: c, cap: up}
		s.arc[j] = csArc{head: t, rev: i, cost: -c}
		s.fwd[a] = i
	}
	s.eps = max(maxCost*scale/csAlpha, 1)
	return s, nil
}

// run performs the scaling phases.
func (s *costScaling) run(ctx context.Context) error {
	nodes := s.nodes
	s.phase0 = make([]int64, nodes)
	s.next = make([]int32, nodes)
	s.onPath = make([]bool, nodes)
	s.rank = make([]int32, nodes)
	s.bnext = make([]int32, nodes+1)
	s.bprev = make([]int32, nodes+1)
	s.polls = pollWork
	// Global updates every nodes relabels in the first phase, where they
	// alone find an excess that cannot be shipped; then at LEMON's
	// interval, nodes + (supply nodes)² relabels, which on the 10k plan
	// network takes a third less CPU than every nodes relabels.
	var sup int64
	for _, e := range s.excess {
		if e > 0 {
			sup++
		}
	}
	skip := int64(nodes) + 1
	later := skip + min(sup*sup, math.MaxInt64/4)
	s.update = skip
	for {
		if err := s.refine(ctx, skip); err != nil {
			return err
		}
		skip = later
		if s.eps == 1 {
			return nil
		}
		s.eps = max(s.eps/csAlpha, 1)
	}
}

// refine turns the current pseudoflow into an ε-optimal flow.
func (s *costScaling) refine(ctx context.Context, skip int64) error {
	s.phases++
	copy(s.phase0, s.price)
	s.queue = s.queue[:0]
	s.qhead = 0
	for u := range s.nodes {
		pu := s.price[u]
		for i := s.first[u]; i < s.first[u+1]; i++ {
			e := &s.arc[i]
			if e.cap > 0 && e.cost+pu-s.price[e.head] < 0 {
				d := e.cap
				s.excess[u] -= d
				s.excess[e.head] += d
				e.cap = 0
				s.arc[e.rev].cap += d
			}
		}
		s.next[u] = s.first[u]
	}
	for u, e := range s.excess {
		if e > 0 {
			s.queue = append(s.queue, int32(u))
		}
	}
	for {
		for s.qhead < len(s.queue) && s.excess[s.queue[s.qhead]] <= 0 {
			s.qhead++
		}
		if s.qhead == len(s.queue) {
			return nil
		}
		if s.qhead > len(s.queue)/2 && s.qhead > 1024 {
			s.queue = s.queue[:copy(s.queue, s.queue[s.qhead:])]
			s.qhead = 0
		}
		if err := s.augment(s.queue[s.qhead]); err != nil {
			return err
		}
		if s.relabels >= s.update {
			if err := s.globalUpdate(); err != nil {
				return err
			}
			s.update = s.relabels + skip
		}
		if s.work >= s.polls {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%w (after %d relabels)", err, s.relabels)
			}
			s.polls = s.work + pollWork
		}
	}
}

// augment grows an admissible path of up to csPathLength arcs from the
// active node start, relabelling dead ends, and pushes along it.
func (s *costScaling) augment(start int32) error {
	tip := start
	s.onPath[start] = true
	// The search also stops when a global update or a context poll is due:
	// in an infeasible network it could relabel forever.
	for len(s.path) < csPathLength && (tip == start || s.excess[tip] >= 0) && s.relabels < s.update && s.work < s.polls {
		pt := s.price[tip]
		end := s.first[tip+1]
		found := false
		i := s.next[tip]
		for ; i < end; i++ {
			e := &s.arc[i]
			if e.cap > 0 && e.cost+pt-s.price[e.head] < 0 {
				found = true
				break
			}
		}
		s.work += int64(i-s.next[tip]) + 1
		if found {
			s.next[tip] = i
			s.path = append(s.path, i)
			h := s.arc[i].head
			if s.onPath[h] {
				break // a cycle: push around it
			}
			s.onPath[h] = true
			tip = h
			continue
		}
		bound := int64(math.MaxInt64)
		if tip != start {
			// As LEMON: the way back along the path bounds the fall.
			back := &s.arc[s.arc[s.path[len(s.path)-1]].rev]
			bound = back.cost + pt - s.price[back.head]
		}
		if err := s.relabel(tip, bound); err != nil {
			return err
		}
		if tip != start {
			s.onPath[tip] = false
			last := s.path[len(s.path)-1]
			s.path = s.path[:len(s.path)-1]
			tip = s.arc[s.arc[last].rev].head
		}
	}
	u := start
	for _, i := range s.path {
		e := &s.arc[i]
		v := e.head
		d := min(e.cap, s.excess[u])
		e.cap -= d
		s.arc[e.rev].cap += d
		s.excess[u] -= d
		s.excess[v] += d
		if ex := s.excess[v]; ex > 0 && ex <= d {
			s.queue = append(s.queue, v)
		}
		s.onPath[u] = false
		u = v
	}
	s.onPath[u] = false
	s.onPath[start] = false
	s.path = s.path[:0]
	return nil
}

// relabel lowers u's price until its cheapest residual arc, or the
// reduced cost bound if that is less, has reduced cost −ε, and resets its
// current arc.
func (s *costScaling) relabel(u int32, bound int64) error {
	s.relabels++
	pu := s.price[u]
	best := bound
	for i := s.first[u]; i < s.first[u+1]; i++ {
		e := &s.arc[i]
		if e.cap > 0 {
			best = min(best, e.cost+pu-s.price[e.head])
		}
	}
	s.work += int64(s.first[u+1]-s.first[u]) + 1
	s.next[u] = s.first[u]
	if best == math.MaxInt64 {
		// No residual arc leaves u: its excess is stuck.
		return s.infeasible(u)
	}
	p := pu - best - s.eps
	if p < -csMaxPrice || p > csMaxPrice {
		return fmt.Errorf("%w: price of node %d leaves ±2^61", ErrOverflow, u)
	}
	s.price[u] = p
	if s.tooFar(u) {
		return s.infeasible(u)
	}
	return nil
}

// tooFar reports whether u holds an excess and its price has fallen further
// in this phase than a feasible network allows: (α+1)·nodes·ε, since the
// previous phase's flow, feasible and αε-optimal for the prices the phase
// started with, gives a path back from u to a deficit, whose price has not
// moved (Goldberg and Tarjan 1990, Lemma 5.8). The first phase has no
// such flow, and is not checked.
func (s *costScaling) tooFar(u int32) bool {
	return s.phases > 1 && s.excess[u] > 0 && (s.phase0[u]-s.price[u])/s.eps > (csAlpha+1)*int64(s.nodes)
}

// infeasible returns the error for an excess at u that cannot be shipped.
func (s *costScaling) infeasible(u int32) error {
	return fmt.Errorf("%w: node %d cannot ship %d units of supply (or a node it reaches cannot)", ErrInfeasible, u, s.excess[u])
}

// globalUpdate lowers every price by ε times its node's distance to the
// nearest deficit, counted in units of ε over residual arcs, searching
// backwards from the deficits with buckets until every excess is reached
// (Goldberg 1997, §4.2; LEMON's globalUpdate). An excess not reached within
// csAlpha·nodes buckets cannot be shipped.
func (s *costScaling) globalUpdate() error {
	nodes := int32(s.nodes)
	end := nodes // list terminator
	maxRank := int32(min(int64(csAlpha)*int64(nodes), math.MaxInt32/2))
	if len(s.bucket) < int(maxRank) {
		s.bucket = make([]int32, maxRank)
	}
	buckets := s.bucket[:maxRank]
	for r := range buckets {
		buckets[r] = end
	}
	var total int64
	b0 := end
	for u := range nodes {
		if s.excess[u] < 0 {
			s.rank[u] = 0
			s.bnext[u] = b0
			s.bprev[b0] = u
			b0 = u
		} else {
			total += s.excess[u]
			s.rank[u] = maxRank
		}
	}
	if total == 0 {
		return nil
	}
	buckets[0] = b0
	r := int32(0)
scan:
	for ; r < maxRank; r++ {
		for buckets[r] != end {
			u := buckets[r]
			buckets[r] = s.bnext[u]
			pu := s.price[u]
			s.work += int64(s.first[u+1]-s.first[u]) + 1
			for i := s.first[u]; i < s.first[u+1]; i++ {
				ri := s.arc[i].rev
				back := &s.arc[ri]
				if back.cap == 0 {
					continue
				}
				v := s.arc[i].head
				old := s.rank[v]
				if r >= old {
					continue
				}
				// rank ≤ r + 1 + ⌊rc/ε⌋ keeps the back arc at reduced
				// cost ≥ −ε once both prices fall by their ranks.
				rc := back.cost + s.price[v] - pu
				nrc := rc / s.eps
				if rc < 0 && rc%s.eps != 0 {
					nrc--
				}
				// Ranks beyond the buckets are capped: a lower rank only
				// lowers the price less, which keeps ε-optimality, and
				// every node with a path to a deficit is reached.
				nr := int32(min(int64(r)+1+nrc, int64(maxRank)-1))
				if nr >= old {
					continue
				}
				s.rank[v] = nr
				if old < maxRank {
					if buckets[old] == v {
						buckets[old] = s.bnext[v]
					} else {
						pv, nv := s.bprev[v], s.bnext[v]
						s.bnext[pv] = nv
						s.bprev[nv] = pv
					}
				}
				nv := buckets[nr]
				s.bnext[v] = nv
				s.bprev[nv] = v
				buckets[nr] = v
			}
			if s.excess[u] > 0 {
				if total -= s.excess[u]; total <= 0 {
					break scan
				}
			}
		}
	}
	for u := range nodes {
		k := min(s.rank[u], r)
		if k == 0 {
			continue
		}
		if s.excess[u] > 0 && k == maxRank {
			// No residual path leads from u to a deficit.
			return s.infeasible(u)
		}
		p := s.price[u] - int64(k)*s.eps
		if int64(k) > (s.price[u]+csMaxPrice)/s.eps {
			return fmt.Errorf("%w: price of node %d leaves ±2^61", ErrOverflow, u)
		}
		s.price[u] = p
		s.next[u] = s.first[u]
		if s.tooFar(u) {
			return s.infeasible(u)
		}
	}
	return nil
}

// result maps the optimal residual flow back onto n's arcs and computes
// exact potentials for the original costs.
func (s *costScaling) result(n *Network) (*Flow, error) {
	pot, err := s.exactPotentials()
	if err != nil {
		return nil, err
	}
	// An arc's flow is the residual capacity of its reverse.
	return newFlow(n, pot, func(a int) int64 { return s.arc[s.arc[s.fwd[a]].rev].cap })
}

// exactPotentials returns potentials in Verify's convention under which
// every residual arc of the optimal flow, and every uncapacitated arc, has
// non-negative reduced cost in the original costs: the scaled prices
// divided by nodes+1 and rounded down, then repaired by a FIFO
// label-correcting pass (see SolveMCFCostScaling). A node corrected more
// than `nodes` times lies on a negative cycle, which only uncapacitated
// arcs can close: ErrUnbounded.
func (s *costScaling) exactPotentials() ([]int64, error) {
	nodes := s.nodes
	p := make([]int64, nodes) // reduced cost c + p[u] − p[v] ≥ 0 wanted
	for u, x := range s.price {
		q := x / s.scale
		if x%s.scale < 0 {
			q--
		}
		p[u] = q
	}
	inQueue := s.onPath // all false after the phases; reused
	count := s.rank
	clear(count)
	// A ring of every node, each in it at most once.
	ring := make([]int32, max(nodes, 1))
	for u := range int32(nodes) {
		ring[u] = u
		inQueue[u] = true
	}
	head, size := 0, nodes
	for size > 0 {
		u := ring[head]
		if head++; head == nodes {
			head = 0
		}
		size--
		inQueue[u] = false
		pu := p[u]
		for i := s.first[u]; i < s.first[u+1]; i++ {
			e := &s.arc[i]
			c := e.cost / s.scale
			v := e.head
			if c+pu-p[v] >= 0 || (e.cap == 0 && (s.inf == nil || !s.inf[i])) {
				continue
			}
			p[v] = c + pu
			if count[v]++; int(count[v]) > nodes {
				return nil, fmt.Errorf("%w: node %d lies on a cycle of negative cost over uncapacitated arcs", ErrUnbounded, v)
			}
			if !inQueue[v] {
				inQueue[v] = true
				tail := head + size
				if tail >= nodes {
					tail -= nodes
				}
				ring[tail] = v
				size++
			}
		}
	}
	for u := range p {
		p[u] = -p[u]
	}
	return p, nil
}
