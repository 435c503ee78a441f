package main

import (
	"bytes"
	"testing"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/orlib"
)

func TestGenlapSeeded(t *testing.T) {
	t.Parallel()
	gen := func(args ...string) []byte {
		t.Helper()
		var out bytes.Buffer
		if err := run(args, &out); err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		return out.Bytes()
	}
	a := gen("-n", "20", "-seed", "7", "-max", "50", "-forbid", "0.2")
	if b := gen("-n", "20", "-seed", "7", "-max", "50", "-forbid", "0.2"); !bytes.Equal(a, b) {
		t.Error("two runs with the same flags differ")
	}
	if c := gen("-n", "20", "-seed", "8", "-max", "50", "-forbid", "0.2"); bytes.Equal(a, c) {
		t.Error("runs with different seeds are equal")
	}
	d, err := orlib.Parse(bytes.NewReader(a), "genlap")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	forbidden := 0
	for _, c := range d.Cost {
		switch {
		case c == solver.Forbidden:
			forbidden++
		case c < 0 || c >= 50:
			t.Fatalf("cost %d outside [0, 50)", c)
		}
	}
	if d.Rows != 20 || forbidden == 0 || forbidden == len(d.Cost) {
		t.Errorf("%d rows, %d of %d forbidden; want 20 rows and some forbidden", d.Rows, forbidden, len(d.Cost))
	}
}

func TestGenlapRejects(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-n", "-1"}, {"-max", "0"}, {"-forbid", "1"}, {"-bogus"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
}
