package solver

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Forbidden is the cost that marks a row-column pair of a Dense problem
// that may not be assigned, whether the solve minimizes or maximizes. Every
// other int64 value is an ordinary cost.
const Forbidden int64 = math.MaxInt64

// Dense is a dense assignment problem: Rows×Cols integer costs stored row
// major, Cost[i*Cols+j] being the cost of giving row i column j, or
// Forbidden. Costs are in an integer unit chosen by the caller and may be
// negative. The zero value is the empty 0×0 problem.
//
// A Dense is only read by the solver; it is safe to solve the same Dense
// from several goroutines at once.
type Dense struct {
	Rows, Cols int
	Cost       []int64 // length Rows*Cols
}

// NewDense returns a rows×cols problem with every cost zero. It panics if
// rows or cols is negative, as make does.
func NewDense(rows, cols int) *Dense {
	return &Dense{Rows: rows, Cols: cols, Cost: make([]int64, rows*cols)}
}

// At returns the cost of pair (i, j). It panics if the pair is outside
// the matrix.
func (d *Dense) At(i, j int) int64 {
	d.check(i, j)
	return d.Cost[i*d.Cols+j]
}

// Set sets the cost of pair (i, j). It panics if the pair is outside the
// matrix.
func (d *Dense) Set(i, j int, c int64) {
	d.check(i, j)
	d.Cost[i*d.Cols+j] = c
}

func (d *Dense) check(i, j int) {
	if uint(i) >= uint(d.Rows) || uint(j) >= uint(d.Cols) {
		panic(fmt.Sprintf("solver: pair (%d, %d) outside a %d×%d matrix", i, j, d.Rows, d.Cols))
	}
}

// validate checks that the cost slice matches the shape.
func (d *Dense) validate() error {
	if d.Rows < 0 || d.Cols < 0 {
		return fmt.Errorf("%w: dense problem has shape %d×%d", ErrInvalid, d.Rows, d.Cols)
	}
	if len(d.Cost) != d.Rows*d.Cols {
		return fmt.Errorf("%w: dense %d×%d problem has %d costs; want %d",
			ErrInvalid, d.Rows, d.Cols, len(d.Cost), d.Rows*d.Cols)
	}
	return nil
}

// DenseFromMatrix converts a gonum matrix of float64 costs to integer
// costs: entry (i, j) becomes round(x·scale), rounding half away from zero,
// so scale 1000 keeps three decimals. +Inf becomes Forbidden. NaN, -Inf, a
// non-positive or non-finite scale, and a scaled value that does not fit in
// an int64 (or would equal Forbidden) are errors wrapping ErrInvalid or
// ErrOverflow that name the entry.
func DenseFromMatrix(m mat.Matrix, scale float64) (*Dense, error) {
	if !(scale > 0) || math.IsInf(scale, 1) {
		return nil, fmt.Errorf("%w: scale %v; want a finite positive number", ErrInvalid, scale)
	}
	r, c := m.Dims()
	d := NewDense(r, c)
	for i := range r {
		for j := range c {
			x := m.At(i, j)
			switch {
			case math.IsNaN(x):
				return nil, fmt.Errorf("%w: entry (%d, %d) is NaN", ErrInvalid, i, j)
			case math.IsInf(x, 1):
				d.Cost[i*c+j] = Forbidden
				continue
			case math.IsInf(x, -1):
				return nil, fmt.Errorf("%w: entry (%d, %d) is -Inf; only +Inf (forbidden) is allowed", ErrInvalid, i, j)
			}
			y := math.Round(x * scale)
			// 2^63 is the first float64 beyond MaxInt64; MaxInt64 itself is
			// Forbidden, and no float64 lies strictly between them.
			if y >= 1<<63 || y < -(1<<63) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("%w: entry (%d, %d) = %v scaled by %v", ErrOverflow, i, j, x, scale)
			}
			d.Cost[i*c+j] = int64(y)
		}
	}
	return d, nil
}
