// Command genflow writes a seeded NETGEN-style min-cost flow network in
// DIMACS "min" format, for benchmarks (scripts/bench-mcf):
//
//	go run ./internal/cmd/genflow -nodes 10000 -arcs 100000 -seed 1 > net.min
//
// Defaults follow the NETGEN-8 family (see package internal/netgen).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/paidan/paidan/internal/netgen"
	"github.com/paidan/paidan/solver/dimacs"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "genflow: %v\n", err)
		os.Exit(1)
	}
}

// run parses the flags in args and writes the network to stdout.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("genflow", flag.ContinueOnError)
	var p netgen.Params
	fs.Uint64Var(&p.Seed, "seed", 1, "random seed")
	fs.IntVar(&p.Nodes, "nodes", 1000, "nodes")
	fs.IntVar(&p.Arcs, "arcs", 10000, "arcs")
	fs.IntVar(&p.Sources, "sources", 0, "supply nodes (0: √nodes)")
	fs.IntVar(&p.Sinks, "sinks", 0, "demand nodes (0: √nodes)")
	fs.Int64Var(&p.Supply, "supply", 0, "total supply (0: 1000·√nodes)")
	fs.Int64Var(&p.MinCost, "mincost", 0, "smallest cost (with -maxcost 0 too: 1)")
	fs.Int64Var(&p.MaxCost, "maxcost", 0, "largest cost (0 with -mincost 0: 10000)")
	fs.Int64Var(&p.MinCap, "mincap", 0, "smallest capacity (with -maxcap 0 too: 1)")
	fs.Int64Var(&p.MaxCap, "maxcap", 0, "largest capacity (0 with -mincap 0: 1000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := netgen.Generate(p)
	if err != nil {
		return err
	}
	return dimacs.Write(stdout, n, fmt.Sprintf("genflow -seed %d -nodes %d -arcs %d (NETGEN-style)", p.Seed, p.Nodes, p.Arcs))
}
