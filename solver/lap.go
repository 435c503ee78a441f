package solver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LAPOptions configures SolveLAP. The zero value minimizes.
type LAPOptions struct {
	// Maximize asks for the assignment of largest total cost instead of
	// smallest. Forbidden pairs stay forbidden.
	Maximize bool
}

// LAPResult is an optimal assignment of a Dense problem with its dual
// certificate, in the orientation of the problem (rows are rows).
type LAPResult struct {
	// RowCol[i] is the column given to row i, or -1 if row i is left
	// unassigned (only when Rows > Cols). Length Rows.
	RowCol []int
	// ColRow[j] is the row given column j, or -1 (only when Cols > Rows).
	// Length Cols.
	ColRow []int

	// Objective is the total cost of the assigned pairs.
	Objective int64

	// RowDual and ColDual are the dual certificate u, v (lengths Rows and
	// Cols). When minimizing, u[i] + v[j] ≤ Cost(i, j) for every allowed
	// pair, with equality on assigned pairs; when maximizing, u[i] + v[j] ≥
	// Cost(i, j), with equality on assigned pairs. On the longer side, whose
	// entries may stay unassigned, each dual is ≤ 0 when minimizing (≥ 0
	// when maximizing) and exactly 0 where unassigned. Then Σu + Σv equals
	// Objective and bounds every feasible assignment: see VerifyLAP.
	RowDual, ColDual []int64

	Stats Stats
}

// Internal bounds of the solver's arithmetic. Costs are shifted into
// [0, span] (or used as they are when already within ±lapMaxCost), a
// forbidden pair costs lapInf, and a shortest-path distance of at least
// lapInfeasible can only be reached through a forbidden pair.
//
// Why nothing overflows: prices start at most the largest cost (column
// minima, or 0) and only fall; the initialization never lowers one below lapMinPrice;
// and while a column t is free, every assigned column j of row i has
// v[j] ≥ c[i][j] - c[i][t] + v[t] ≥ v[t] - span, because j is a cheapest
// column of row i. A shortest path alternates at most k+1 new and k old
// pairs, so its length is at most (k+1)·span - v[t] ≤ lapMaxSpan + 2^57,
// which bounds the last price drop. Hence every price and row dual stays
// within ±2^59.5, reduced costs of allowed pairs below 2^60.5 and those of
// forbidden pairs within 2^61 ± 2^60, so that shortest-path distances,
// which the solver doubles (see lap.augmentAll), stay below 2^63.
const (
	lapInf        = 1 << 61
	lapInfeasible = 1 << 60
	lapMaxCost    = 1 << 57
	lapMaxSpan    = 1 << 56
	lapMinPrice   = -(1 << 57) // floor for prices lowered in the initialization
)

// SolveLAP returns an optimal assignment of the dense problem d: with
// k = min(Rows, Cols), k pairs, no row and no column used twice, every row
// assigned when Rows ≤ Cols and every column assigned otherwise, minimizing
// (or with opts.Maximize maximizing) the total cost over the pairs that are
// not Forbidden.
//
// The algorithm is that of Jonker and Volgenant, "A shortest augmenting
// path algorithm for dense and sparse linear assignment problems",
// Computing 38 (1987) 325–340: on square problems column reduction,
// reduction transfer and two passes of augmenting row reduction assign most
// rows cheaply, then each remaining free row is assigned along a shortest
// augmenting path (Dijkstra over dense rows with column prices). Rectangular
// problems are solved with the shortest augmenting path phase alone, from
// zero column prices, as in D. F. Crouse, "On implementing 2D rectangular
// assignment algorithms", IEEE Trans. Aerospace and Electronic Systems 52(4)
// (2016) 1679–1696, which keeps the prices of never-assigned columns at zero
// and so yields the rectangular dual certificate. Problems with more rows
// than columns are solved transposed. The running time is O(k²·max(Rows,
// Cols)) in the worst case; memory is O(Rows·Cols) for a working copy of the
// costs unless the problem is square or wide, minimized, free of Forbidden
// pairs and within ±2^57, in which case d.Cost is read in place.
//
// The result is deterministic: the same input gives the same output. Ties
// go to the lowest index: a column's minimum to its lowest row, a row's
// minimum to its lowest column, and free rows are augmented in increasing
// order; among columns tied at the shortest path distance a free column
// goes first (it ends the search), then the lowest index.
//
// Errors:
//   - ErrInvalid (wrapped) if len(d.Cost) ≠ Rows·Cols;
//   - ErrInfeasible (wrapped) if no complete assignment avoids the Forbidden
//     pairs; the message names a row or column with every pair forbidden, or
//     a set of rows (columns) that together allow fewer columns (rows) than
//     their number (Hall's condition);
//   - ErrOverflow (wrapped), before solving, if the allowed costs span more
//     than 2^56/(min(Rows, Cols)+1), so that path sums might overflow, or
//     after solving if the objective or a dual does not fit in an int64;
//   - the context's error (wrapped) if ctx is done on entry or while
//     solving; the solver looks at it after every 65536 cost entries it
//     reads or so.
//
// In the result's Stats, Algorithm is "lapjv" (square) or "lapjv-sap"
// (rectangular), Arcs counts the allowed pairs and Iterations the cost rows
// scanned, the solver's unit of work.
//
// SolveLAP does not modify d and is safe for concurrent use.
func SolveLAP(ctx context.Context, d *Dense, opts LAPOptions) (*LAPResult, error) {
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("solve lap: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("solve lap: %w", err)
	}
	start := time.Now()
	res := &LAPResult{
		RowCol:  filled(d.Rows, -1),
		ColRow:  filled(d.Cols, -1),
		RowDual: make([]int64, d.Rows),
		ColDual: make([]int64, d.Cols),
	}
	res.Stats.Nodes = d.Rows + d.Cols
	if d.Rows == 0 || d.Cols == 0 {
		res.Stats.Algorithm = "lapjv"
		return res, nil
	}
	p, err := prepareLAP(ctx, d, opts)
	if err != nil {
		return nil, fmt.Errorf("solve lap: %w", err)
	}
	res.Stats.Arcs = p.allowed
	s := newLAP(ctx, p.cost, p.k, p.m)
	if p.k == p.m {
		res.Stats.Algorithm = "lapjv"
		err = s.solveSquare()
	} else {
		res.Stats.Algorithm = "lapjv-sap"
		err = s.solveRect()
	}
	res.Stats.Iterations = s.steps
	if err != nil {
		if hv, ok := errors.AsType[*hallViolation](err); ok {
			err = p.describe(hv)
		}
		return nil, fmt.Errorf("solve lap: %w", err)
	}
	if err := p.results(d, s, res); err != nil {
		return nil, fmt.Errorf("solve lap: %w", err)
	}
	res.Stats.Duration = time.Since(start)
	return res, nil
}

func filled(n, x int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = x
	}
	return s
}

// lapProblem is a Dense problem turned into the solver's form: k ≤ m
// internal rows and columns (transposed when the problem has more rows than
// columns), costs shifted to be non-negative or used as they are, forbidden
// pairs at lapInf.
type lapProblem struct {
	opts       LAPOptions
	k, m       int
	transposed bool
	cost       []int64
	// An internal cost c' relates to the original cost c as c' = c - base
	// when minimizing and c' = base - c when maximizing.
	base    int64
	allowed int // number of pairs that are not Forbidden
}

// prepareLAP checks the problem for a row or column with every pair
// forbidden and for overflow, and builds the internal cost matrix.
func prepareLAP(ctx context.Context, d *Dense, opts LAPOptions) (*lapProblem, error) {
	rows, cols := d.Rows, d.Cols
	poll := poller{ctx: ctx}
	p := &lapProblem{opts: opts, k: min(rows, cols), m: max(rows, cols), transposed: rows > cols}
	lo, hi := int64(Forbidden), int64(-1<<63)
	colAllowed := make([]bool, cols)
	for i := range rows {
		if err := poll.add(cols); err != nil {
			return nil, err
		}
		anyAllowed := false
		for j, c := range d.Cost[i*cols : (i+1)*cols] {
			if c == Forbidden {
				continue
			}
			anyAllowed = true
			colAllowed[j] = true
			p.allowed++
			lo, hi = min(lo, c), max(hi, c)
		}
		if !anyAllowed && rows <= cols {
			return nil, fmt.Errorf("%w: row %d has every column forbidden", ErrInfeasible, i)
		}
	}
	if rows >= cols {
		if j := slices.Index(colAllowed, false); j >= 0 {
			return nil, fmt.Errorf("%w: column %d has every row forbidden", ErrInfeasible, j)
		}
	}
	span, ok := subInt64(hi, lo)
	if !ok || span > lapMaxSpan/int64(p.k+1) {
		return nil, fmt.Errorf("%w: costs span [%d, %d]; with %d pairs to assign the span may be at most %d",
			ErrOverflow, lo, hi, p.k, lapMaxSpan/int64(p.k+1))
	}
	if !opts.Maximize && !p.transposed && p.allowed == len(d.Cost) && lo >= -lapMaxCost && hi <= lapMaxCost {
		p.cost = d.Cost // read in place: the solver never writes costs
		return p, nil
	}
	p.base = lo
	if opts.Maximize {
		p.base = hi
	}
	p.cost = make([]int64, len(d.Cost))
	for i := range rows {
		if err := poll.add(cols); err != nil {
			return nil, err
		}
		for j, c := range d.Cost[i*cols : (i+1)*cols] {
			switch {
			case c == Forbidden:
				c = lapInf
			case opts.Maximize:
				c = p.base - c
			default:
				c -= p.base
			}
			if p.transposed {
				p.cost[j*rows+i] = c
			} else {
				p.cost[i*cols+j] = c
			}
		}
	}
	return p, nil
}

// results fills res from the solver state: the assignment in the
// problem's orientation, the objective, and the duals mapped back to the
// original costs.
func (p *lapProblem) results(d *Dense, s *lap, res *LAPResult) error {
	short, long := res.RowDual, res.ColDual
	shortCol, longRow := res.RowCol, res.ColRow
	if p.transposed {
		short, long = res.ColDual, res.RowDual
		shortCol, longRow = res.ColRow, res.RowCol
	}
	copy(shortCol, s.rowCol)
	copy(longRow, s.colRow)
	for r, j := range s.rowCol {
		u := p.cost[r*p.m+j] - s.v[j] // internal dual of the short side
		var ok bool
		if p.opts.Maximize {
			short[r], ok = subInt64(p.base, u)
		} else {
			short[r], ok = addInt64(u, p.base)
		}
		if !ok {
			return fmt.Errorf("%w: dual of %s %d", ErrOverflow, p.side(true), r)
		}
	}
	for j, v := range s.v {
		if p.opts.Maximize {
			v = -v
		}
		long[j] = v
	}
	var obj acc
	for i, j := range res.RowCol {
		if j >= 0 {
			obj.addProduct(d.Cost[i*d.Cols+j], 1)
		}
	}
	var ok bool
	if res.Objective, ok = obj.int64(); !ok {
		return fmt.Errorf("%w: objective", ErrOverflow)
	}
	return nil
}

// side names the problem's rows or columns: the short side (the internal
// rows) or the long side.
func (p *lapProblem) side(short bool) string {
	if short != p.transposed {
		return "row"
	}
	return "column"
}

// describe turns a Hall violation found on internal indices into an error
// wrapping ErrInfeasible in the problem's terms. The set has at least two
// rows: a single row allowing no column is caught by prepareLAP.
func (p *lapProblem) describe(hv *hallViolation) error {
	allowed := fmt.Sprintf("%d %s", len(hv.cols), p.side(false))
	if len(hv.cols) != 1 {
		allowed += "s"
	}
	return fmt.Errorf("%w: %d %ss (%s) allow only %s between them, so the %ss are short",
		ErrInfeasible, len(hv.rows), p.side(true), listInts(hv.rows, 10), allowed, p.side(false))
}

// listInts formats up to limit sorted integers, then an ellipsis.
func listInts(xs []int, limit int) string {
	xs = slices.Sorted(slices.Values(xs))
	var b strings.Builder
	for t, x := range xs {
		if t == limit {
			fmt.Fprintf(&b, ", … %d more", len(xs)-limit)
			break
		}
		if t > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, x)
	}
	return b.String()
}
