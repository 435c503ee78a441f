package solver

import "fmt"

// VerifyLAP proves that r is an optimal assignment of d under opts, in
// O(Rows·Cols) integer operations, and returns the dual bound Σu + Σv,
// which then equals r.Objective. It checks
//
//   - the assignment: RowCol and ColRow are mutually inverse, use no
//     Forbidden pair, and assign min(Rows, Cols) pairs (every row when
//     Rows ≤ Cols, every column otherwise);
//   - the objective: r.Objective is the total cost of the assigned pairs;
//   - dual feasibility and complementary slackness, with u = RowDual and
//     v = ColDual: when minimizing, u[i] + v[j] ≤ Cost(i, j) on every
//     allowed pair and equality on assigned pairs, and on the longer side
//     every dual ≤ 0 and = 0 where unassigned (≥ 0 and = 0 when
//     maximizing).
//
// Then for any feasible assignment x, Σ c·x ≥ Σu + Σ_{assigned} v ≥ Σu +
// Σv = r.Objective when minimizing (reversed when maximizing), so r is
// optimal: this is linear programming duality for the assignment problem
// (Burkard, Dell'Amico and Martello, Assignment Problems, 2009, §4.1).
//
// Errors wrap ErrNotOptimal and name the violating row and column, or
// ErrInvalid for a malformed d, or ErrOverflow if a sum does not fit in an
// int64. VerifyLAP does not modify its arguments.
func VerifyLAP(d *Dense, opts LAPOptions, r *LAPResult) (dualBound int64, err error) {
	if err := d.validate(); err != nil {
		return 0, fmt.Errorf("verify lap: %w", err)
	}
	if err := verifyLAP(d, opts, r); err != nil {
		return 0, fmt.Errorf("verify lap: %w", err)
	}
	return r.Objective, nil
}

func verifyLAP(d *Dense, opts LAPOptions, r *LAPResult) error {
	rows, cols := d.Rows, d.Cols
	if len(r.RowCol) != rows || len(r.ColRow) != cols || len(r.RowDual) != rows || len(r.ColDual) != cols {
		return fmt.Errorf("%w: result has %d row and %d column entries, %d row and %d column duals; want %d, %d, %d, %d",
			ErrNotOptimal, len(r.RowCol), len(r.ColRow), len(r.RowDual), len(r.ColDual), rows, cols, rows, cols)
	}
	// The assignment.
	assigned := 0
	var primal, dual acc
	for i, j := range r.RowCol {
		if j == -1 {
			continue
		}
		if j < 0 || j >= cols {
			return fmt.Errorf("%w: row %d is given column %d outside 0..%d", ErrNotOptimal, i, j, cols-1)
		}
		if r.ColRow[j] != i {
			return fmt.Errorf("%w: row %d is given column %d but column %d is given row %d", ErrNotOptimal, i, j, j, r.ColRow[j])
		}
		if d.Cost[i*cols+j] == Forbidden {
			return fmt.Errorf("%w: row %d is given column %d, a forbidden pair", ErrNotOptimal, i, j)
		}
		primal.addProduct(d.Cost[i*cols+j], 1)
		assigned++
	}
	for j, i := range r.ColRow {
		if i != -1 && (i < 0 || i >= rows || r.RowCol[i] != j) {
			return fmt.Errorf("%w: column %d is given row %d, which is not given column %d", ErrNotOptimal, j, i, j)
		}
	}
	if want := min(rows, cols); assigned != want {
		return fmt.Errorf("%w: %d pairs assigned; want %d", ErrNotOptimal, assigned, want)
	}
	if p, ok := primal.int64(); !ok {
		return fmt.Errorf("%w: objective", ErrOverflow)
	} else if p != r.Objective {
		return fmt.Errorf("%w: objective is %d but the assigned pairs cost %d", ErrNotOptimal, r.Objective, p)
	}

	// Sign conditions on the longer side.
	sense, violates := int64(1), "exceed" // longer-side duals must have sense·x ≤ 0
	if opts.Maximize {
		sense, violates = -1, "fall below"
	}
	switch {
	case rows < cols:
		for j, v := range r.ColDual {
			if sense*v > 0 || (v != 0 && r.ColRow[j] < 0) {
				return fmt.Errorf("%w: column %d has dual %d; want %s", ErrNotOptimal, j, v, signWant(opts, r.ColRow[j] >= 0))
			}
		}
	case rows > cols:
		for i, u := range r.RowDual {
			if sense*u > 0 || (u != 0 && r.RowCol[i] < 0) {
				return fmt.Errorf("%w: row %d has dual %d; want %s", ErrNotOptimal, i, u, signWant(opts, r.RowCol[i] >= 0))
			}
		}
	}

	// Dual feasibility and complementary slackness.
	for i := range rows {
		u := r.RowDual[i]
		dual.addProduct(u, 1)
		for j, c := range d.Cost[i*cols : (i+1)*cols] {
			if c == Forbidden {
				continue
			}
			// slack = c - u - v (u + v - c when maximizing) must be ≥ 0.
			v := r.ColDual[j]
			var slack int64
			var ok bool
			if opts.Maximize {
				if slack, ok = addInt64(u, v); ok {
					slack, ok = subInt64(slack, c)
				}
			} else if slack, ok = subInt64(c, u); ok {
				slack, ok = subInt64(slack, v)
			}
			if !ok {
				return fmt.Errorf("%w: reduced cost of row %d, column %d", ErrOverflow, i, j)
			}
			if slack < 0 {
				return fmt.Errorf("%w: row %d, column %d: duals %d + %d %s cost %d",
					ErrNotOptimal, i, j, u, v, violates, c)
			}
			if slack != 0 && r.RowCol[i] == j {
				return fmt.Errorf("%w: row %d, column %d is assigned but duals %d + %d differ from its cost %d",
					ErrNotOptimal, i, j, u, r.ColDual[j], c)
			}
		}
	}
	for _, v := range r.ColDual {
		dual.addProduct(v, 1)
	}
	if b, ok := dual.int64(); !ok || b != r.Objective {
		return fmt.Errorf("%w: dual bound differs from the objective %d", ErrNotOptimal, r.Objective)
	}
	return nil
}

// signWant describes the dual a longer-side entry must have.
func signWant(opts LAPOptions, assigned bool) string {
	switch {
	case !assigned:
		return "0 for an unassigned entry"
	case opts.Maximize:
		return "≥ 0 on the longer side"
	default:
		return "≤ 0 on the longer side"
	}
}
