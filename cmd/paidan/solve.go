package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// newSolveCmd is the parent of the commands that solve one optimization
// instance from a file, certify the result and report it.
func newSolveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "solve",
		Short: "Solve one optimization instance from a file and certify the result",
		Long: `solve reads one problem instance, solves it exactly, checks the optimality
certificate, and prints a summary (or one JSON object with --json).

Exit codes: 0 optimal and verified, 1 error, 2 usage error, 3 infeasible or
failed certificate.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown problem %q for %q; see 'paidan help solve'", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSolveLAPCmd())
	return cmd
}

// Values of solveReport.Status and solveReport.Certificate.
const (
	statusOptimal    = "optimal"    // solved, certificate verified
	statusInfeasible = "infeasible" // no feasible solution exists
	statusFailed     = "failed"     // solved, but the certificate did not verify

	certVerified = "verified"
	certFailed   = "failed"
	certNone     = "none" // nothing to certify (infeasible)
)

// solveReport is what every solve subcommand prints: as one JSON object
// with --json, otherwise as a short summary for a person.
type solveReport struct {
	Problem       string  `json:"problem"` // "lap", ...
	Input         string  `json:"input"`
	Status        string  `json:"status"`
	Objective     *int64  `json:"objective"`  // null unless solved
	DualBound     *int64  `json:"dual_bound"` // null unless verified
	Certificate   string  `json:"certificate"`
	Algorithm     string  `json:"algorithm,omitempty"`
	Rows          int     `json:"rows"`
	Cols          int     `json:"cols"`
	Iterations    int64   `json:"iterations"`
	ParseSeconds  float64 `json:"parse_seconds"`
	SolveSeconds  float64 `json:"solve_seconds"`
	VerifySeconds float64 `json:"verify_seconds"`
	Message       string  `json:"message,omitempty"` // why infeasible or failed

	cause error // why Status is not optimal; nil when it is
}

// outcome returns nil for an optimal report, otherwise its cause wrapped
// to exit with exitNo.
func (r *solveReport) outcome() error {
	if r.cause == nil {
		return nil
	}
	return answerNo(fmt.Errorf("%s: %w", r.Input, r.cause))
}

// write prints the report on w, as JSON or as a summary.
func (r *solveReport) write(w io.Writer, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(r)
	}
	ew := &errWriter{w: w}
	ew.printf("%s %s: %d×%d, %s\n", r.Problem, r.Input, r.Rows, r.Cols, r.Status)
	if r.Objective != nil {
		ew.printf("  objective    %d\n", *r.Objective)
	}
	if r.DualBound != nil {
		ew.printf("  dual bound   %d (certificate %s)\n", *r.DualBound, r.Certificate)
	} else if r.Certificate != certNone {
		ew.printf("  certificate  %s\n", r.Certificate)
	}
	if r.Algorithm != "" {
		ew.printf("  algorithm    %s, %d iterations\n", r.Algorithm, r.Iterations)
	}
	ew.printf("  time         parse %.3f s, solve %.3f s, verify %.3f s\n", r.ParseSeconds, r.SolveSeconds, r.VerifySeconds)
	if r.Message != "" {
		ew.printf("  reason       %s\n", r.Message)
	}
	return ew.err
}

// errWriter keeps the first write error, so a summary is printed without
// checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// seconds returns d in seconds, rounded to the microsecond.
func seconds(d time.Duration) float64 {
	return d.Round(time.Microsecond).Seconds()
}
