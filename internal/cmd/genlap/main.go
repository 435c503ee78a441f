// Command genlap writes a seeded random dense assignment instance in
// OR-Library format (see package solver/orlib), for benchmarks and tests:
//
//	genlap -n 1000 -seed 1 -max 1000000 -o lap1000.txt
//
// Costs are uniform integers in [0, max), drawn from a PCG generator seeded
// with (seed, n), so the same flags always give the same file. With
// -forbid p, each pair is forbidden (9223372036854775807) with probability
// p.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/orlib"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "genlap: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("genlap", flag.ContinueOnError)
	n := fs.Int("n", 1000, "rows and columns")
	seed := fs.Uint64("seed", 1, "random seed")
	maxCost := fs.Int64("max", 1_000_000, "costs are in [0, max)")
	forbid := fs.Float64("forbid", 0, "probability that a pair is forbidden")
	out := fs.String("o", "", "output file (default standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 0 || *maxCost <= 0 || *forbid < 0 || *forbid >= 1 {
		return fmt.Errorf("want n ≥ 0, max > 0 and 0 ≤ forbid < 1; got n=%d max=%d forbid=%v", *n, *maxCost, *forbid)
	}
	rng := rand.New(rand.NewPCG(*seed, uint64(*n)))
	d := solver.NewDense(*n, *n)
	for k := range d.Cost {
		if *forbid > 0 && rng.Float64() < *forbid {
			d.Cost[k] = solver.Forbidden
			continue
		}
		d.Cost[k] = rng.Int64N(*maxCost)
	}
	if *out == "" {
		return orlib.Write(stdout, d)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := orlib.Write(f, d); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
