package solver

// hentry is a heap entry: a node with its distance label as key.
type hentry struct {
	key int64
	v   int32
}

// push inserts node v with key k into the heap.
func (s *dispatchState) push(v int32, k int64) {
	s.heap = append(s.heap, hentry{k, v})
	s.up(int32(len(s.heap)-1), hentry{k, v})
}

// decrease lowers the key of the entry at heap index i to k.
func (s *dispatchState) decrease(i int32, k int64) {
	s.up(i, hentry{k, s.heap[i].v})
}

// pop removes and returns the node of least key.
func (s *dispatchState) pop() int32 {
	h := s.heap
	v := h[0].v
	s.node[v].hpos = -1
	last := h[len(h)-1]
	s.heap = h[:len(h)-1]
	if len(s.heap) > 0 {
		s.down(last)
	}
	return v
}

// up moves entry e, destined for index i, towards the root.
func (s *dispatchState) up(i int32, e hentry) {
	h := s.heap
	for i > 0 {
		p := (i - 1) / 4
		if h[p].key <= e.key {
			break
		}
		h[i] = h[p]
		s.node[h[i].v].hpos = i
		i = p
	}
	h[i] = e
	s.node[e.v].hpos = i
}

// down places entry e at the root and sifts it down.
func (s *dispatchState) down(e hentry) {
	h := s.heap
	n := int32(len(h))
	i := int32(0)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m, km := c, h[c].key
		for j := c + 1; j < min(c+4, n); j++ {
			if h[j].key < km {
				m, km = j, h[j].key
			}
		}
		if km >= e.key {
			break
		}
		h[i] = h[m]
		s.node[h[i].v].hpos = i
		i = m
	}
	h[i] = e
	s.node[e.v].hpos = i
}
