package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/orlib"
	"github.com/spf13/cobra"
)

func newSolveLAPCmd() *cobra.Command {
	var (
		asJSON   bool
		out      string
		maximize bool
	)
	cmd := &cobra.Command{
		Use:   "lap FILE",
		Short: "Solve a dense linear assignment problem (OR-Library format)",
		Long: `lap reads an OR-Library assignment file (n, then n×n integer costs row by
row; 9223372036854775807 marks a forbidden pair; FILE "-" is standard input),
assigns every row a distinct column at minimum total cost (maximum with
--maximize) with the Jonker–Volgenant algorithm, verifies the dual
certificate, and prints a summary, or exactly one JSON object with --json:
status ("optimal", "infeasible" or "failed"), objective, dual_bound,
certificate ("verified", "failed" or "none"), algorithm, rows, cols,
iterations, parse_seconds, solve_seconds, verify_seconds and message.

--out FILE writes the assignment as CSV with header "row,col", 0-based.

Exit codes: 0 optimal and verified, 1 error, 2 usage error, 3 infeasible or
failed certificate.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one FILE, got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, res, err := solveLAPFile(cmd, args[0], solver.LAPOptions{Maximize: maximize})
			if err != nil {
				return err
			}
			if res != nil && out != "" {
				if err := writeAssignmentCSV(out, res); err != nil {
					return err
				}
			}
			if err := rep.write(cmd.OutOrStdout(), asJSON); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			return rep.outcome()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of a summary")
	cmd.Flags().StringVar(&out, "out", "", "write the assignment to this CSV file (row,col)")
	cmd.Flags().BoolVar(&maximize, "maximize", false, "maximize the total cost instead of minimizing it")
	return cmd
}

// solveLAPFile parses, solves and verifies one file. An infeasible problem
// or a failed certificate is a report, not an error; the result is nil
// unless the problem was solved and verified.
func solveLAPFile(cmd *cobra.Command, path string, opts solver.LAPOptions) (*solveReport, *solver.LAPResult, error) {
	rep := &solveReport{Problem: "lap", Input: path, Certificate: certNone}
	start := time.Now()
	d, err := parseORLib(path)
	if err != nil {
		return nil, nil, err
	}
	rep.ParseSeconds = seconds(time.Since(start))
	rep.Rows, rep.Cols = d.Rows, d.Cols
	fmt.Fprintf(cmd.ErrOrStderr(), "solving %d×%d assignment %s\n", d.Rows, d.Cols, path)

	start = time.Now()
	res, err := solver.SolveLAP(cmd.Context(), d, opts)
	rep.SolveSeconds = seconds(time.Since(start))
	if errors.Is(err, solver.ErrInfeasible) {
		rep.Status, rep.Message, rep.cause = statusInfeasible, err.Error(), err
		return rep, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	rep.Algorithm, rep.Iterations = res.Stats.Algorithm, res.Stats.Iterations
	rep.Objective = &res.Objective

	start = time.Now()
	bound, err := solver.VerifyLAP(d, opts, res)
	rep.VerifySeconds = seconds(time.Since(start))
	if err != nil {
		rep.Status, rep.Certificate, rep.Message = statusFailed, certFailed, err.Error()
		rep.cause = fmt.Errorf("%w, the result is not proven optimal: %w", paidan.ErrCertificate, err)
		return rep, nil, nil
	}
	rep.Status, rep.Certificate, rep.DualBound = statusOptimal, certVerified, &bound
	return rep, res, nil
}

// parseORLib reads an OR-Library file, or standard input for "-".
func parseORLib(path string) (*solver.Dense, error) {
	if path == "-" {
		return orlib.Parse(os.Stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return orlib.Parse(f, path)
}

// writeAssignmentCSV writes the assigned pairs of res as "row,col" lines in
// row order, after a header.
func writeAssignmentCSV(path string, res *solver.LAPResult) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", path, cerr)
		}
	}()
	w := bufio.NewWriter(f) // its errors are sticky: Flush reports the first
	w.WriteString("row,col\n")
	var line []byte
	for i, j := range res.RowCol {
		if j < 0 {
			continue
		}
		line = strconv.AppendInt(line[:0], int64(i), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(j), 10)
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
