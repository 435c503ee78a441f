package orlib_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/orlib"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  []int64
	}{
		{"one line", "2 1 2 3 4", []int64{1, 2, 3, 4}},
		{"row per line", "2\n1 2\n3 4\n", []int64{1, 2, 3, 4}},
		{"odd breaks", "  2\r\n\t1\n\n 2 3\f4  \v", []int64{1, 2, 3, 4}},
		{"signs", "2 -1 +2 -9223372036854775808 9223372036854775807", []int64{-1, 2, -1 << 63, solver.Forbidden}},
		{"leading zeros", "1 007", []int64{7}},
		{"empty problem", "0\n", []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := orlib.Parse(strings.NewReader(tt.input), "test")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(d.Cost, tt.want) {
				t.Errorf("costs = %v, want %v", d.Cost, tt.want)
			}
			if d.Rows*d.Cols != len(tt.want) || d.Rows != d.Cols {
				t.Errorf("shape %d×%d, want square with %d costs", d.Rows, d.Cols, len(tt.want))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		input     string
		want      error
		line, col int
		detail    string
	}{
		{"empty", "", orlib.ErrMissing, 1, 1, "empty input"},
		{"blank", " \n\n", orlib.ErrMissing, 3, 1, "empty input"},
		{"letters", "2\n1 2\n3 x4\n", orlib.ErrSyntax, 3, 3, `token "x4"; want an integer`},
		{"trailing letters", "2\n1 2\n3 4z\n", orlib.ErrSyntax, 3, 3, `"4z"`},
		{"float", "1\n1.5\n", orlib.ErrSyntax, 2, 1, `"1.5"`},
		{"sign alone", "1 -", orlib.ErrSyntax, 1, 3, `"-"`},
		{"short", "2\n1 2\n3\n", orlib.ErrMissing, 4, 1, "after 3 of the 2×2 = 4 costs"},
		{"extra", "1\n5\n6\n", orlib.ErrSyntax, 3, 1, `token "6" after the 1×1 costs`},
		{"negative n", "-1", orlib.ErrRange, 1, 1, "n = -1"},
		{"huge n", "99999999999 1", orlib.ErrRange, 1, 1, "n = 99999999999"},
		{"cost overflow", "1 9223372036854775808", orlib.ErrRange, 1, 3, "beyond the int64 range"},
		{"cost underflow", "1 -9223372036854775809", orlib.ErrRange, 1, 3, "beyond"},
		{"many digits", "1 " + strings.Repeat("1", 40), orlib.ErrRange, 1, 3, "beyond"},
		{"too long", "1 " + strings.Repeat("0", 70) + "1", orlib.ErrTooLong, 1, 3, "64 bytes"},
		{"nul byte", "1 \x00", orlib.ErrSyntax, 1, 3, `"\x00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := orlib.Parse(strings.NewReader(tt.input), "in.txt")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			ie, ok := errors.AsType[*orlib.ParseError](err)
			if !ok {
				t.Fatalf("Parse error %v is not an *orlib.ParseError", err)
			}
			if ie.Source != "in.txt" || ie.Line != tt.line || ie.Column != tt.col {
				t.Errorf("error at %s:%d:%d, want in.txt:%d:%d (%v)", ie.Source, ie.Line, ie.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not mention %q", err, tt.detail)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	_, err := orlib.Parse(io.MultiReader(strings.NewReader("3 1 2"), iotest.ErrReader(boom)), "in.txt")
	if !errors.Is(err, boom) {
		t.Fatalf("Parse error = %v, want %v", err, boom)
	}
}

// TestParseOneByteReads checks that tokens split across reads parse whole.
func TestParseOneByteReads(t *testing.T) {
	t.Parallel()
	d, err := orlib.Parse(iotest.OneByteReader(strings.NewReader("2\n10 -200\n3000 40000\n")), "in.txt")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if want := []int64{10, -200, 3000, 40000}; !reflect.DeepEqual(d.Cost, want) {
		t.Errorf("costs = %v, want %v", d.Cost, want)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := rng.IntN(40)
		d := solver.NewDense(n, n)
		for k := range d.Cost {
			switch rng.IntN(10) {
			case 0:
				d.Cost[k] = solver.Forbidden
			case 1:
				d.Cost[k] = int64(rng.Uint64())
			default:
				d.Cost[k] = rng.Int64N(2000) - 1000
			}
		}
		var buf bytes.Buffer
		if err := orlib.Write(&buf, d); err != nil {
			t.Fatalf("trial %d: Write: %v", trial, err)
		}
		got, err := orlib.Parse(&buf, "round trip")
		if err != nil {
			t.Fatalf("trial %d: Parse: %v", trial, err)
		}
		if got.Rows != n || got.Cols != n || !reflect.DeepEqual(got.Cost, d.Cost) {
			t.Fatalf("trial %d: Parse(Write(d)) differs from d", trial)
		}
	}
}

func TestWriteRejectsRectangular(t *testing.T) {
	t.Parallel()
	err := orlib.Write(io.Discard, solver.NewDense(2, 3))
	if !errors.Is(err, solver.ErrInvalid) {
		t.Fatalf("Write of a 2×3 problem: error %v, want ErrInvalid", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"2\n1 2\n3 4\n", "0", "1 -9223372036854775808", "1 9223372036854775807",
		"3 1 2 3 4 5 6 7 8 9 10", "2 1 2 3", "-1", "1 +", "1 0x10", " \t\r\n",
		"1 " + strings.Repeat("9", 70),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := orlib.Parse(bytes.NewReader(data), "fuzz")
		if err != nil {
			if _, ok := errors.AsType[*orlib.ParseError](err); !ok {
				t.Fatalf("Parse error %v is not an *orlib.ParseError", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := orlib.Write(&buf, d); err != nil {
			t.Fatalf("Write of a parsed problem: %v", err)
		}
		again, err := orlib.Parse(&buf, "fuzz again")
		if err != nil {
			t.Fatalf("Parse(Write(d)): %v", err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("Parse(Write(d)) = %v, want %v", again, d)
		}
	})
}

// BenchmarkParse reports throughput (MB/s) on a 1000×1000 problem of
// uniform costs in [0, 10^6), the shape the benchmark scripts use.
func BenchmarkParse(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := solver.NewDense(1000, 1000)
	for k := range d.Cost {
		d.Cost[k] = rng.Int64N(1e6)
	}
	var buf bytes.Buffer
	if err := orlib.Write(&buf, d); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := orlib.Parse(bytes.NewReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
