package solver

import (
	"context"
	"fmt"
	"math"
)

// lap is the state of the Jonker–Volgenant solver on k ≤ m internal rows
// and columns. Row i's costs are c[i*m : (i+1)*m]; a forbidden pair costs
// lapInf. The invariant between phases: every assigned row's column
// minimizes c[i][j] - v[j] over its row, so with u[i] = c[i][rowCol[i]] -
// v[rowCol[i]] all reduced costs c[i][j] - u[i] - v[j] are non-negative and
// zero on assigned pairs.
type lap struct {
	k, m   int
	c      []int64
	v      []int64 // column prices
	rowCol []int   // column of each row, or -1
	colRow []int   // row of each column, or -1

	// Shortest path scratch, per column: tentative distance (math.MinInt64
	// once the column is scanned), predecessor row; and the scanned columns
	// in order with their final distances.
	d     []int64
	pred  []int
	scan  []int
	sdist []int64
	todo  []int // unscanned columns of a long search

	steps int64 // rows scanned
	poll  poller
}

// poller looks at a context's error after every 2^16 cost entries or so of
// work, so that a solve stops well within a millisecond of cancellation at
// any size while paying for the look only once in a long while.
type poller struct {
	ctx  context.Context
	work int // entries since the last look
}

// add counts entries of work and returns the context's error when it is
// time to look and the context is done.
func (p *poller) add(entries int) error {
	p.work += entries
	if p.work < 1<<16 {
		return nil
	}
	p.work = 0
	return p.ctx.Err()
}

func newLAP(ctx context.Context, c []int64, k, m int) *lap {
	return &lap{
		k: k, m: m, c: c,
		v:      make([]int64, m),
		rowCol: filled(k, -1),
		colRow: filled(m, -1),
		d:      make([]int64, m),
		pred:   make([]int, m),
		scan:   make([]int, 0, m),
		sdist:  make([]int64, 0, m),
		todo:   make([]int, 0, m),
		poll:   poller{ctx: ctx},
	}
}

// row returns the costs of internal row i.
func (s *lap) row(i int) []int64 { return s.c[i*s.m : (i+1)*s.m] }

// tick counts a row scan and looks at the context from time to time.
func (s *lap) tick() error {
	s.steps++
	return s.poll.add(s.m)
}

// solveSquare runs the four phases of Jonker and Volgenant (1987) on a
// square problem.
func (s *lap) solveSquare() error {
	if err := s.columnReduction(); err != nil {
		return err
	}
	free, err := s.reductionTransfer()
	if err != nil {
		return err
	}
	for range 2 {
		if free, err = s.augmentingRowReduction(free); err != nil {
			return err
		}
	}
	return s.augmentAll()
}

// solveRect assigns every row along shortest augmenting paths from zero
// prices (Crouse 2016). Columns never reached keep price zero; reached
// columns only get cheaper, so every price is ≤ 0 and free columns are at
// zero, as the rectangular certificate requires.
func (s *lap) solveRect() error { return s.augmentAll() }

// columnReduction sets each column's price to its smallest cost and
// assigns each column's lowest minimizing row to it when that row has no
// column yet (columns in increasing order). It reads rows in order, for
// cache locality; pred holds each column's minimizing row.
func (s *lap) columnReduction() error {
	v, pred := s.v, s.pred
	for j := range v {
		v[j] = math.MaxInt64
	}
	for i := range s.k {
		if err := s.tick(); err != nil {
			return err
		}
		row := s.row(i)
		v := v[:len(row)]
		pred := pred[:len(row)]
		for j, x := range row {
			if x < v[j] {
				v[j] = x
				pred[j] = i
			}
		}
	}
	for j, i := range pred {
		if s.rowCol[i] < 0 {
			s.rowCol[i] = j
			s.colRow[j] = i
		}
	}
	return nil
}

// reductionTransfer lowers the price of each column held by a row that
// was the minimizer of that column only, by the row's margin to its second
// best column, and returns the free rows in increasing order.
func (s *lap) reductionTransfer() ([]int, error) {
	matches := make([]int, s.k)
	for _, i := range s.pred {
		matches[i]++
	}
	var free []int
	for i, j1 := range s.rowCol {
		switch {
		case j1 < 0:
			free = append(free, i)
		case matches[i] == 1:
			if err := s.tick(); err != nil {
				return nil, err
			}
			row := s.row(i)
			least := int64(math.MaxInt64)
			for j, x := range row {
				if j != j1 {
					least = min(least, x-s.v[j])
				}
			}
			if least < lapInfeasible {
				s.v[j1] -= least
			}
		}
	}
	return free, nil
}

// augmentingRowReduction is one pass of Jonker and Volgenant's augmenting
// row reduction over the free rows: a free row takes its cheapest column at
// current prices, lowering that column's price to the row's second best if
// it can, and the row it displaces is retried at once (when the price
// fell) or in the next pass. It returns the rows still free. Work per pass
// is capped at 8k row scans, after which the remaining rows are left to the
// shortest path phase; the invariant holds after every step.
func (s *lap) augmentingRowReduction(free []int) ([]int, error) {
	v := s.v
	budget := 8 * s.k
	n := len(free)
	next := 0 // free rows for the next pass are written to free[:next]
	for t := 0; t < n; {
		i := free[t]
		t++
		if budget == 0 {
			free[next] = i
			next++
			continue
		}
		budget--
		if err := s.tick(); err != nil {
			return nil, err
		}
		row := s.row(i)
		v := v[:len(row)]
		umin, usub := int64(math.MaxInt64), int64(math.MaxInt64)
		j1, j2 := -1, -1
		for j, x := range row {
			h := x - v[j]
			if h < usub {
				if h >= umin {
					usub, j2 = h, j
				} else {
					usub, j2 = umin, j1
					umin, j1 = h, j
				}
			}
		}
		// Every row has an allowed column (prepareLAP checks), so umin is
		// finite and j1 allowed.
		i0 := s.colRow[j1]
		strict := false
		switch {
		case umin < usub && usub < lapInfeasible && v[j1]-(usub-umin) >= lapMinPrice:
			v[j1] -= usub - umin
			strict = true
		case umin == usub && i0 >= 0:
			j1, i0 = j2, s.colRow[j2]
		case i0 >= 0: // no progress possible at these prices
			free[next] = i
			next++
			continue
		}
		s.rowCol[i], s.colRow[j1] = j1, i
		if i0 < 0 {
			continue
		}
		s.rowCol[i0] = -1
		if strict {
			t--
			free[t] = i0
		} else {
			free[next] = i0
			next++
		}
	}
	return free[:next], nil
}

// augmentAll assigns every free row, in increasing order, along a
// shortest augmenting path.
//
// During this phase the prices are kept doubled, less one for an assigned
// column: v[j] = 2·price - 1 if column j is assigned, 2·price if free. A
// doubled distance computed from them, 2·(c[i][j] - u[i]) - v[j], is then
// twice the real one plus one for an assigned column, so that among
// columns at the same distance a free one (which ends the search) comes
// first, then the lowest index, at no cost in the inner loop. On problems
// with many equal costs this keeps the search from scanning long chains of
// tied assigned columns (the choice Jonker and Volgenant's and Crouse's
// implementations make too).
func (s *lap) augmentAll() error {
	for j, i := range s.colRow {
		s.v[j] *= 2
		if i >= 0 {
			s.v[j]--
		}
	}
	for f, j := range s.rowCol {
		if j < 0 {
			if err := s.augment(f); err != nil {
				return err
			}
		}
	}
	for j, i := range s.colRow {
		if i >= 0 {
			s.v[j]++
		}
		s.v[j] /= 2
	}
	return nil
}

// augment assigns free row f along a shortest augmenting path in reduced
// costs (Dijkstra over dense rows), then updates the prices of the scanned
// columns so that the invariant holds again. Prices and distances are
// doubled as described on augmentAll.
//
// Scanned columns are marked by d[j] = math.MinInt64, which no relaxation
// can lower. Each step relaxes the columns from the row just reached and,
// in the same pass, finds the next column to scan (relaxRow). Once a
// quarter of the columns are scanned, the remaining ones are gathered in a
// list and later steps visit only those (relaxList), as Jonker and
// Volgenant's own implementation does from the start: long searches, as on
// geometric or highly structured costs, then save the visits to scanned
// columns, while short ones keep the cheaper contiguous scan. Both pick the
// same column: the smallest key, the lowest index on ties.
func (s *lap) augment(f int) error {
	m := s.m
	v, d, pred := s.v[:m], s.d[:m], s.pred[:m]
	row := s.row(f)
	for j := range d {
		d[j] = math.MaxInt64
	}
	bj := relaxRow(row, v, d, pred, f, 0)
	s.scan, s.sdist = s.scan[:0], s.sdist[:0]
	var todo []int // unscanned columns, once the search is long
	for {
		if err := s.tick(); err != nil {
			return err
		}
		dj := d[bj]
		if dj >= 2*lapInfeasible {
			return s.hall(f)
		}
		i := s.colRow[bj]
		if i < 0 {
			break
		}
		s.scan = append(s.scan, bj)
		s.sdist = append(s.sdist, dj)
		d[bj] = math.MinInt64
		row = s.row(i)
		// Twice u[i] minus the distance of bj: relaxed values are that
		// distance plus the reduced cost, doubled, plus the column's bit.
		h := 2*row[bj] - v[bj] - dj
		if todo == nil && listAfter*len(s.scan) >= m {
			todo = s.todo[:0]
			for j, dd := range d {
				if dd != math.MinInt64 {
					todo = append(todo, j)
				}
			}
		}
		if todo == nil {
			bj = relaxRow(row, v, d, pred, i, h)
			continue
		}
		bj, todo = relaxList(row, v, d, pred, todo, i, h)
	}
	// Scanned columns are assigned (odd distance), the sink is free (even):
	// each scanned price falls by the real distance difference, and the
	// sink keeps its price but becomes assigned.
	sink, dist := bj, d[bj]
	for t, j := range s.scan {
		v[j] += s.sdist[t] - 1 - dist
	}
	v[sink]--
	for j := sink; ; {
		i := pred[j]
		s.colRow[j] = i
		s.rowCol[i], j = j, s.rowCol[i]
		if i == f {
			return nil
		}
	}
}

// keyOffset orders doubled distances as unsigned keys uint64(d)+keyOffset:
// distances in [-2^62, 2^63) keep their order and the scanned mark
// math.MinInt64 comes after all of them.
const keyOffset = 1 << 62

// listAfter: a search switches to a list of the unscanned columns once
// 1/listAfter of the columns are scanned.
const listAfter = 4

// relaxRow relaxes every column j from row i of the given costs,
// d[j] = min(d[j], 2·row[j] - v[j] - h), recording i as predecessor where
// it improves, and returns the column of smallest key (the lowest on ties).
// It takes two columns per step, which the compiler keeps free of bounds
// checks and spends fewer instructions per column on, and writes d and pred
// back unconditionally, so that the relaxation compiles to conditional
// moves: on costs where relaxations are frequent and unpredictable, as on
// geometric ones, a branch would be mispredicted half the time. (relaxList
// keeps the branch: its scattered stores cost more than it saves there.)
func relaxRow(row, v, d []int64, pred []int, i int, h int64) int {
	m := len(row)
	v, d, pred = v[:m], d[:m], pred[:m]
	best, bj := uint64(math.MaxUint64), 0
	j := 0
	for ; j+1 < m; j += 2 {
		x0 := 2*row[j] - v[j] - h
		x1 := 2*row[j+1] - v[j+1] - h
		d0, d1 := d[j], d[j+1]
		p0, p1 := pred[j], pred[j+1]
		if x0 < d0 {
			d0, p0 = x0, i
		}
		if x1 < d1 {
			d1, p1 = x1, i
		}
		d[j], d[j+1] = d0, d1
		pred[j], pred[j+1] = p0, p1
		k0, k1 := uint64(d0)+keyOffset, uint64(d1)+keyOffset
		if k0 < best || k1 < best {
			if k1 < k0 {
				best, bj = k1, j+1
			} else {
				best, bj = k0, j
			}
		}
	}
	if j < m { // the last column when m is odd
		x := 2*row[j] - v[j] - h
		dd := d[j]
		if x < dd {
			dd = x
			d[j] = x
			pred[j] = i
		}
		if key := uint64(dd) + keyOffset; key < best {
			bj = j
		}
	}
	return bj
}

// relaxList is relaxRow over the columns listed in todo only, which it
// keeps in increasing order. It returns the column of smallest distance
// (the first, so the lowest, on ties) and the list without the columns
// scanned since it was last compacted (marked by d[j] = math.MinInt64: the
// one the previous step picked), dropped in the same pass. Ordered, the
// list needs no index comparison on ties, which on degenerate costs with
// many equal distances (c_ij = i·j) was a mispredicted branch per column.
func relaxList(row, v, d []int64, pred []int, todo []int, i int, h int64) (bj int, rest []int) {
	m := len(row)
	v, d, pred = v[:m], d[:m], pred[:m]
	best := int64(math.MaxInt64)
	w := 0
	for _, j := range todo {
		dd := d[j]
		if dd == math.MinInt64 {
			continue
		}
		todo[w] = j
		w++
		x := 2*row[j] - v[j] - h
		if x < dd {
			dd = x
			d[j] = x
			pred[j] = i
		}
		if dd < best {
			best, bj = dd, j
		}
	}
	return bj, todo[:w]
}

// hallViolation is a set of internal rows whose allowed columns are fewer
// than the rows.
type hallViolation struct {
	rows, cols []int
}

func (h *hallViolation) Error() string {
	return fmt.Sprintf("%d rows allow only %d columns", len(h.rows), len(h.cols))
}

// hall is called when the shortest path from free row f reaches only
// forbidden pairs: f and the rows of the scanned columns allow no other
// column. It returns that Hall violation, after checking it on the costs;
// should a finite cost leave the set (which the price bounds rule out), it
// reports an overflow rather than a false infeasibility.
func (s *lap) hall(f int) error {
	hv := &hallViolation{rows: []int{f}, cols: append([]int(nil), s.scan...)}
	inSet := make([]bool, s.m)
	for _, j := range s.scan {
		hv.rows = append(hv.rows, s.colRow[j])
		inSet[j] = true
	}
	for _, i := range hv.rows {
		for j, x := range s.row(i) {
			if !inSet[j] && x != lapInf {
				return fmt.Errorf("%w: shortest path distances exceeded their bound", ErrOverflow)
			}
		}
	}
	return hv
}
