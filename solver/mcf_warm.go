package solver

import (
	"context"
	"fmt"
	"time"
)

// simplexTree is a spanning tree of the network simplex in the network's
// own terms: per node, its parent (-1: the artificial root) and the network
// arc joining them (-1: the node's artificial arc).
type simplexTree struct {
	parent []int32
	arc    []int32
}

// tree returns the current spanning tree of s.
func (s *simplex) tree() *simplexTree {
	inv := make([]int32, s.arcs) // internal arc → network arc
	for a, e := range s.perm {
		inv[e] = int32(a)
	}
	t := &simplexTree{parent: make([]int32, s.nodes), arc: make([]int32, s.nodes)}
	for v := range s.nodes {
		nd := s.node[v]
		t.parent[v], t.arc[v] = nd.parent, -1
		if nd.parent == s.root {
			t.parent[v] = -1
		}
		if int(nd.pred) < s.arcs {
			t.arc[v] = inv[nd.pred]
		}
	}
	return t
}

// solveMCFFrom is SolveMCF started from the spanning tree t with every
// other arc a at its upper bound when upper(a), at its lower bound
// otherwise: typically the optimal tree of a smaller network with the same
// nodes, to which arcs were added (they start at their lower bound, as
// upper says). It also returns the optimal tree. warm is false, and
// nothing else is returned, when t is not a strongly feasible spanning
// tree of n with those flows (see newSimplexFrom); the caller then solves
// cold.
func solveMCFFrom(ctx context.Context, n *Network, t *simplexTree, upper func(a int) bool) (f *Flow, opt *simplexTree, warm bool, err error) {
	if err := n.Validate(); err != nil {
		return nil, nil, false, fmt.Errorf("min-cost flow: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, false, fmt.Errorf("min-cost flow: %w", err)
	}
	start := time.Now()
	s, err := newSimplex(n, 0)
	if err != nil {
		return nil, nil, false, fmt.Errorf("min-cost flow: %w", err)
	}
	if !s.setTree(n, t, upper) {
		return nil, nil, false, nil
	}
	if err := s.run(ctx); err != nil {
		return nil, nil, true, fmt.Errorf("min-cost flow: %w", err)
	}
	if f, err = s.result(n); err != nil {
		return nil, nil, true, fmt.Errorf("min-cost flow: %w", err)
	}
	f.Stats = Stats{
		Algorithm:  "network-simplex",
		Nodes:      n.Nodes(),
		Arcs:       n.Arcs(),
		Iterations: s.pivots,
		Duration:   time.Since(start),
	}
	return f, s.tree(), true, nil
}

// setTree replaces the initial tree of a new simplex by t, with the
// non-tree network arcs at the bounds upper gives and the artificial arcs
// off the tree empty. The tree arcs' flows follow from the supplies; the
// potentials from zero reduced cost on the tree. It reports false, leaving
// s unusable, unless t spans every node from the root, each tree arc joins
// its node to its parent, the flows lie within the bounds, and the tree is
// strongly feasible (every tree arc can pass a positive amount towards the
// root: an arc pointing up is below its capacity, one pointing down above
// zero), which Cunningham's leaving rule needs to terminate.
func (s *simplex) setTree(n *Network, t *simplexTree, upper func(a int) bool) bool {
	nodes, arcs := s.nodes, s.arcs
	if len(t.parent) != nodes || len(t.arc) != nodes {
		return false
	}
	root := s.root
	// Non-tree arcs at their bounds; excess collects what they and the
	// supplies (less lower bounds) leave at each node.
	excess := make([]int64, nodes+1)
	copy(excess, n.Supply)
	for a := range arcs {
		e := s.perm[a]
		lo := n.lower(a)
		excess[n.Tail[a]] -= lo
		excess[n.Head[a]] += lo
		s.state[e], s.x[e].flow = stateLower, 0
		if upper(a) {
			s.state[e], s.x[e].flow = stateUpper, s.x[e].cap
			excess[n.Tail[a]] -= s.x[e].cap
			excess[n.Head[a]] += s.x[e].cap
		}
	}
	for v := range nodes { // artificial arcs start off the tree, empty
		s.state[arcs+v], s.x[arcs+v].flow = stateLower, 0
	}
	// Tree arcs, children lists (CSR by parent, the root last).
	count := make([]int32, nodes+2)
	for v := range nodes {
		p := t.parent[v]
		if p < -1 || int(p) >= nodes || p == int32(v) {
			return false
		}
		if p < 0 {
			p = root
		}
		count[p+1]++
		e := int32(arcs + v) // artificial
		if a := t.arc[v]; a >= 0 {
			if int(a) >= arcs || p == root {
				return false
			}
			tl, hd := n.Tail[a], n.Head[a]
			if !(tl == int32(v) && hd == p) && !(hd == int32(v) && tl == p) {
				return false
			}
			e = s.perm[a]
			if s.state[e] == stateUpper {
				excess[n.Tail[a]] += s.x[e].cap
				excess[n.Head[a]] -= s.x[e].cap
			}
		} else if p != root {
			return false
		}
		s.state[e] = stateTree
		s.x[e].flow = 0
		dir := int8(-1)
		if s.arc[e].src == int32(v) {
			dir = 1
		}
		s.node[v] = treeNode{parent: p, pred: e, dir: dir}
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	children := make([]int32, nodes)
	fill := append([]int32(nil), count[:nodes+1]...)
	for v := range nodes {
		p := t.parent[v]
		if p < 0 {
			p = root
		}
		children[fill[p]] = int32(v)
		fill[p]++
	}
	// Preorder from the root: thread and reverse thread.
	order := make([]int32, 0, nodes+1)
	stack := []int32{root}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, u)
		for i := count[u+1] - 1; i >= count[u]; i-- {
			stack = append(stack, children[i])
		}
		if len(order) > nodes+1 {
			return false
		}
	}
	if len(order) != nodes+1 {
		return false // a cycle: some node is not reached from the root
	}
	for i, u := range order {
		next := order[(i+1)%len(order)]
		s.thread[u], s.revThread[next] = next, u
	}
	// Subtree sizes, last successors and flows, children before parents.
	s.node[root] = treeNode{parent: -1, pred: -1}
	for i := len(order) - 1; i >= 0; i-- {
		u := order[i]
		s.node[u].succ = 1
		s.lastSucc[u] = u
		for c := count[u]; c < count[u+1]; c++ {
			s.node[u].succ += s.node[children[c]].succ
		}
		if c := count[u+1]; c > count[u] {
			s.lastSucc[u] = s.lastSucc[children[c-1]]
		}
		if u == root {
			break
		}
		if e := s.node[u].pred; int(e) >= arcs {
			// An artificial arc points as its flow runs: from a node that
			// ships (cost 0), or into one that receives (cost artCost), as
			// newSimplex lays them, so it can always pass flow to the root.
			if excess[u] >= 0 {
				s.arc[e].src, s.arc[e].tgt, s.arc[e].cost, s.node[u].dir = u, root, 0, 1
			} else {
				s.arc[e].src, s.arc[e].tgt, s.arc[e].cost, s.node[u].dir = root, u, s.artCost, -1
			}
		}
		nd := s.node[u]
		x := excess[u] * int64(nd.dir) // flow the tree arc carries up (dir 1) or down
		if x < 0 || x > s.x[nd.pred].cap {
			return false
		}
		if (nd.dir == 1 && x == s.x[nd.pred].cap) || (nd.dir == -1 && x == 0) {
			return false // not strongly feasible
		}
		s.x[nd.pred].flow = x
		excess[nd.parent] += excess[u]
	}
	// Potentials, parents before children: zero reduced cost on the tree.
	s.pi[root] = 0
	for _, u := range order[1:] {
		nd := s.node[u]
		if nd.dir == 1 { // u → parent
			s.pi[u] = s.arc[nd.pred].cost + s.pi[nd.parent]
		} else {
			s.pi[u] = s.pi[nd.parent] - s.arc[nd.pred].cost
		}
	}
	return true
}
