// Package dimacs reads and writes min-cost flow instances in the DIMACS
// "min" format of the First DIMACS Implementation Challenge (1990–91),
// the format of NETGEN, LEMON and most published min-cost flow benchmarks.
//
// It sits beside the solver, not in the dispatch pipeline: paidan's own
// networks come from package model, while DIMACS files let the general
// min-cost flow solver (solver.SolveMCF) be run, benchmarked and compared
// with other solvers on standard instances ("paidan solve mcf FILE").
//
// The format, one record per line:
//
//	c any comment
//	p min NODES ARCS
//	n ID SUPPLY
//	a TAIL HEAD LOW CAP COST
//
// Node ids are 1-based; nodes without an n line have zero supply; supplies
// must sum to zero. The p line comes before any n or a line, and exactly
// ARCS a lines follow. A capacity of -1 means uncapacitated (as LEMON's
// reader treats negative capacities) and becomes solver.Infinite.
//
// Example:
//
//	n, err := dimacs.Parse(ctx, f, dimacs.Options{Source: "net.min"})
//	if err != nil {
//		return err // a *dimacs.ParseError naming line and column
//	}
//	flow, err := solver.SolveMCF(ctx, n)
package dimacs
