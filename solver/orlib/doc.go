// Package orlib reads and writes dense assignment problems in the format of
// J. E. Beasley's OR-Library ("assign" instances, J. Oper. Res. Soc. 41
// (1990) 1069–1072): the first number is n, then come the n×n integer costs
// row by row (row i is agent i, column j is job j), separated by any
// whitespace with any line breaks.
//
// It sits beside the solver in paidan's pipeline and, like it, imports
// only the standard library and package solver: the CLI's "paidan solve
// lap" and the benchmark scripts read instances with Parse and hand the
// *solver.Dense to solver.SolveLAP; the instance generator writes them with
// Write. Costs are int64; the value 9223372036854775807 (solver.Forbidden)
// marks a forbidden pair, so that Write then Parse gives back any problem.
//
//	d, err := orlib.Parse(f, "assign100.txt")
//	if err != nil {
//		return err // *orlib.ParseError naming the line, column and token
//	}
//	res, err := solver.SolveLAP(ctx, d, solver.LAPOptions{})
package orlib
