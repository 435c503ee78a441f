package solver_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/paidan/paidan/solver"
)

func TestDenseFromMatrix(t *testing.T) {
	t.Parallel()
	m := mat.NewDense(2, 3, []float64{
		1.2345, -0.0005, math.Inf(1),
		0, 2.5, -1e6,
	})
	d, err := solver.DenseFromMatrix(m, 1000)
	if err != nil {
		t.Fatalf("DenseFromMatrix: %v", err)
	}
	want := []int64{1235, -1, solver.Forbidden, 0, 2500, -1e9}
	if d.Rows != 2 || d.Cols != 3 || !reflect.DeepEqual(d.Cost, want) {
		t.Errorf("got %d×%d %v, want 2×3 %v", d.Rows, d.Cols, d.Cost, want)
	}
	if got := d.At(1, 2); got != -1e9 {
		t.Errorf("At(1, 2) = %d, want -1e9", got)
	}
}

func TestDenseFromMatrixErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		x      float64
		scale  float64
		want   error
		detail string
	}{
		{"NaN", math.NaN(), 1, solver.ErrInvalid, "entry (1, 0) is NaN"},
		{"-Inf", math.Inf(-1), 1, solver.ErrInvalid, "entry (1, 0) is -Inf"},
		{"too large", 1e19, 1, solver.ErrOverflow, "entry (1, 0)"},
		{"too large after scaling", 1e16, 1000, solver.ErrOverflow, "scaled by 1000"},
		{"too small", -1e19, 1, solver.ErrOverflow, "entry (1, 0)"},
		{"zero scale", 1, 0, solver.ErrInvalid, "scale 0"},
		{"NaN scale", 1, math.NaN(), solver.ErrInvalid, "scale NaN"},
		{"infinite scale", 1, math.Inf(1), solver.ErrInvalid, "scale +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mat.NewDense(2, 1, []float64{0, tt.x})
			_, err := solver.DenseFromMatrix(m, tt.scale)
			checkErr(t, "DenseFromMatrix", err, tt.want, tt.detail)
		})
	}
}

func TestDenseAtPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "(2, 0) outside a 2×2") {
			t.Errorf("recover() = %v, want a panic naming the pair", r)
		}
	}()
	solver.NewDense(2, 2).Set(2, 0, 1)
}
