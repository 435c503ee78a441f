package dimacs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

// sample is the diamond network of solver's tests in DIMACS form, with a
// lower bound, an uncapacitated arc, comments, blank lines and CRLF.
const sample = `c diamond: 4 units from 1 to 4
p min 4 5

n 1 4
n 4 -4
a 1 2 0 3 1
a 2 4 0 3 1
a 1 3 1 5 2` + "\r" + `
a 3 4 0 -1 2
	a 2 3 0 2 -1
`

func parse(tb testing.TB, text string) (*solver.Network, error) {
	tb.Helper()
	return dimacs.Parse(context.Background(), strings.NewReader(text), dimacs.Options{Source: "t.min"})
}

func TestParseSample(t *testing.T) {
	t.Parallel()
	n, err := parse(t, sample)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &solver.Network{
		Supply: []int64{4, 0, 0, -4},
		Tail:   []int32{0, 1, 0, 2, 1},
		Head:   []int32{1, 3, 2, 3, 2},
		Lower:  []int64{0, 0, 1, 0, 0},
		Upper:  []int64{3, 3, 5, solver.Infinite, 2},
		Cost:   []int64{1, 1, 2, 2, -1},
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("Parse = %+v, want %+v", n, want)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		text       string
		kind       error
		line, col  int
		wantDetail string
	}{
		{"empty", "", dimacs.ErrSyntax, 0, 0, "p line"},
		{"arc before p", "a 1 2 0 1 1\n", dimacs.ErrSyntax, 1, 1, "p line before"},
		{"node before p", "c x\nn 1 1\n", dimacs.ErrSyntax, 2, 1, "p line before"},
		{"two p lines", "p min 1 0\np min 1 0\n", dimacs.ErrSyntax, 2, 1, "first is on line 1"},
		{"not min", "p max 2 1\n", dimacs.ErrSyntax, 1, 3, `"min", got "max"`},
		{"unknown record", "p min 2 0\nx 1\n", dimacs.ErrSyntax, 2, 1, "c, p, n or a"},
		{"tail out of range", "p min 2 1\na 3 1 0 1 1\n", dimacs.ErrRange, 2, 3, "tail node id in 1..2, got 3"},
		{"head zero", "p min 2 1\na 1 0 0 1 1\n", dimacs.ErrRange, 2, 5, "head node id in 1..2, got 0"},
		{"more arcs than declared", "p min 2 1\na 1 2 0 1 1\na 1 2 0 1 1\n", dimacs.ErrSyntax, 3, 1, "at most 1 a lines"},
		{"fewer arcs than declared", "p min 2 2\na 1 2 0 1 1\n", dimacs.ErrSyntax, 1, 0, "2 a lines"},
		{"non-integer", "p min 2 1\na 1 2 0 1.5 1\n", dimacs.ErrSyntax, 2, 9, `capacity as an integer, got "1.5"`},
		{"missing field", "p min 2 1\na 1 2 0 1\n", dimacs.ErrSyntax, 2, 10, "cost, got the end of the line"},
		{"extra field", "p min 2 1\na 1 2 0 1 1 9\n", dimacs.ErrSyntax, 2, 13, "end of the line"},
		{"overflow", "p min 2 1\na 1 2 0 1 9223372036854775808\n", dimacs.ErrRange, 2, 11, "cost within int64"},
		{"negative lower", "p min 2 1\na 1 2 -1 1 1\n", dimacs.ErrRange, 2, 7, "lower bound ≥ 0"},
		{"capacity below lower", "p min 2 1\na 1 2 3 2 1\n", dimacs.ErrRange, 2, 9, "capacity ≥ the lower bound 3"},
		{"node out of range", "p min 2 0\nn 5 1\n", dimacs.ErrRange, 2, 3, "node id in 1..2, got 5"},
		{"duplicate node", "p min 2 0\nn 1 1\nn 1 -1\n", dimacs.ErrDuplicate, 3, 3, "node 1 has two"},
		{"unbalanced", "p min 2 0\nn 1 1\n", dimacs.ErrRange, 0, 0, "sum to 0, got 1"},
		{"too many nodes", "p min 99999999999 0\n", dimacs.ErrRange, 1, 7, "node count"},
		{"glued field", "p min 2 1\na1 2 0 1 1\n", dimacs.ErrSyntax, 2, 2, "blank before the tail"},
		// A header declaring a billion arcs on a tiny input must fail on
		// the count, not reserve gigabytes first.
		{"lying arc count", "p min 2 1000000000\na 1 2 0 1 1\n", dimacs.ErrSyntax, 1, 0, "1000000000 a lines"},
		{"long comment", "p min 1 0\nc " + strings.Repeat("x", 1<<17) + "\n", dimacs.ErrTooLong, 2, 1, "at most"},
		{"long line", "p min 1 0\nc " + strings.Repeat("x", 2<<20) + "\n", dimacs.ErrTooLong, 2, 1, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(t, tt.text)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			ie, ok := errors.AsType[*dimacs.ParseError](err)
			if !ok {
				t.Fatalf("err = %T, want *dimacs.ParseError", err)
			}
			if ie.Source != "t.min" || ie.Line != tt.line || ie.Column != tt.col {
				t.Errorf("error at %s:%d:%d, want t.min:%d:%d (%v)", ie.Source, ie.Line, ie.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.wantDetail) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantDetail)
			}
		})
	}
}

func TestParseCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := dimacs.Parse(ctx, strings.NewReader(sample), dimacs.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			n := randomNetwork(rng)
			var buf bytes.Buffer
			if err := dimacs.Write(&buf, n, "random network", fmt.Sprint("seed ", i)); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := parse(t, buf.String())
			if err != nil {
				t.Fatalf("Parse(Write(n)): %v\n%s", err, buf.String())
			}
			if !sameNetwork(got, n) {
				t.Errorf("Parse(Write(n)) = %+v, want %+v", got, n)
			}
		})
	}
}

func TestWriteInvalid(t *testing.T) {
	t.Parallel()
	n := solver.NewNetwork(1)
	n.Supply[0] = 1
	if err := dimacs.Write(&bytes.Buffer{}, n); !errors.Is(err, solver.ErrInvalid) {
		t.Fatalf("err = %v, want solver.ErrInvalid", err)
	}
}

// sameNetwork reports whether a and b are the same network, taking nil
// and empty slices as equal and a nil Lower as all zeros.
func sameNetwork(a, b *solver.Network) bool {
	lower := func(n *solver.Network) []int64 {
		if n.Lower == nil {
			return make([]int64, n.Arcs())
		}
		return n.Lower
	}
	return slices.Equal(a.Supply, b.Supply) && slices.Equal(a.Tail, b.Tail) &&
		slices.Equal(a.Head, b.Head) && slices.Equal(lower(a), lower(b)) &&
		slices.Equal(a.Upper, b.Upper) && slices.Equal(a.Cost, b.Cost)
}

// randomNetwork returns a valid network; Lower is nil unless a lower bound
// is non-zero, as Parse returns it.
func randomNetwork(rng *rand.Rand) *solver.Network {
	nodes := rng.IntN(8)
	n := solver.NewNetwork(nodes)
	if nodes == 0 {
		return n
	}
	for range rng.IntN(12) {
		lo := int64(0)
		if rng.IntN(5) == 0 {
			lo = rng.Int64N(4)
		}
		up := lo + rng.Int64N(1<<40)
		if rng.IntN(6) == 0 {
			up = solver.Infinite
		}
		n.AddArc(rng.IntN(nodes), rng.IntN(nodes), lo, up, rng.Int64()-rng.Int64())
	}
	var sum int64
	for v := range nodes - 1 {
		n.Supply[v] = rng.Int64N(1<<50) - 1<<49
		sum += n.Supply[v]
	}
	n.Supply[nodes-1] = -sum
	return n
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives a Write/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("p min 0 0\n")
	f.Add("p min 3 2\nn 1 2\nn 3 -2\na 1 2 0 5 -3\na 2 3 1 -1 4\n")
	f.Add("c only\n\n \t\r\n")
	f.Add("p min 2 1\na 1 2 0 1 -9223372036854775808\n")
	f.Add("p min 1 0\nn 1 0\n")
	f.Fuzz(func(t *testing.T, text string) {
		opt := dimacs.Options{MaxNodes: 1 << 12}
		n, err := dimacs.Parse(context.Background(), strings.NewReader(text), opt)
		if err != nil {
			if _, ok := errors.AsType[*dimacs.ParseError](err); !ok {
				t.Fatalf("err = %v (%T), want *dimacs.ParseError", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := dimacs.Write(&buf, n); err != nil {
			t.Fatalf("Write of a parsed network: %v", err)
		}
		again, err := dimacs.Parse(context.Background(), &buf, opt)
		if err != nil {
			t.Fatalf("Parse(Write(n)): %v", err)
		}
		if !sameNetwork(again, n) {
			t.Fatalf("round trip changed the network: %+v, want %+v", again, n)
		}
	})
}
