package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

// mcfReport is the outcome of "paidan solve mcf", printed as JSON with
// --json.
type mcfReport struct {
	File         string  `json:"file"`
	Status       string  `json:"status"` // optimal, infeasible or unbounded
	Objective    int64   `json:"objective"`
	DualBound    int64   `json:"dual_bound"`
	ParseSeconds float64 `json:"parse_seconds"`
	SolveSeconds float64 `json:"solve_seconds"`
	Certificate  string  `json:"certificate"` // verified, failed, or none when not optimal
	Nodes        int     `json:"nodes"`
	Arcs         int     `json:"arcs"`
	Algorithm    string  `json:"algorithm"`
	Pivots       int64   `json:"pivots"`           // zero unless optimal
	Detail       string  `json:"detail,omitempty"` // why it is not optimal; solver node numbers are file ids − 1
}

func newSolveMCFCmd() *cobra.Command {
	var asJSON bool
	var out string
	cmd := &cobra.Command{
		Use:   "mcf FILE",
		Short: "Solve a DIMACS min-cost flow file (p min) and verify the optimum",
		Long: `Solve a min-cost flow instance in DIMACS "min" format with the network
simplex solver and check the optimality certificate.

The summary goes to stdout; --json prints one JSON object instead, with
status (optimal, infeasible, unbounded), objective, parse_seconds,
solve_seconds, certificate (verified, failed, none), nodes, arcs, algorithm
and pivots. --out writes the optimal flow as CSV "arc,tail,head,flow" with
1-based arc numbers (order of the a lines) and node ids as in the file.
Solver messages (e.g. which node is short when infeasible) number nodes
from 0: node k is id k+1 in the file.

Exit codes: 0 optimal and verified; 3 infeasible, unbounded or a failed
certificate; 1 any other error.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one FILE, got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return solveMCF(cmd, args[0], asJSON, out)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of the summary")
	cmd.Flags().StringVar(&out, "out", "", "write the arc flows as CSV to this file")
	return cmd
}

// solveMCF parses, solves and verifies the instance in path and reports.
func solveMCF(cmd *cobra.Command, path string, asJSON bool, out string) error {
	ctx := cmd.Context()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	n, err := dimacs.Parse(ctx, f, dimacs.Options{Source: path})
	if err != nil {
		return err
	}
	rep := mcfReport{
		File:         path,
		ParseSeconds: time.Since(start).Seconds(),
		Nodes:        n.Nodes(),
		Arcs:         n.Arcs(),
		Algorithm:    "network-simplex",
		Certificate:  "none",
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "parsed %s: %d nodes, %d arcs in %.3f s\n", path, rep.Nodes, rep.Arcs, rep.ParseSeconds)

	start = time.Now()
	flow, solveErr := solver.SolveMCF(ctx, n)
	rep.SolveSeconds = time.Since(start).Seconds()
	var answer error // a "no" answer, reported after the summary
	switch {
	case errors.Is(solveErr, solver.ErrInfeasible):
		rep.Status, rep.Detail, answer = "infeasible", solveErr.Error(), answerNo(solveErr)
	case errors.Is(solveErr, solver.ErrUnbounded):
		rep.Status, rep.Detail, answer = "unbounded", solveErr.Error(), answerNo(solveErr)
	case solveErr != nil:
		return solveErr
	default:
		rep.Status, rep.Objective, rep.Pivots = "optimal", flow.Objective, flow.Stats.Iterations
		bound, err := solver.Verify(n, flow)
		if err != nil {
			rep.Certificate, rep.Detail, answer = "failed", err.Error(), answerNo(err)
		} else {
			rep.Certificate, rep.DualBound = "verified", bound
		}
	}
	if out != "" && flow != nil {
		if err := writeFlowCSV(out, n, flow); err != nil {
			return err
		}
	}
	if err := printMCFReport(cmd.OutOrStdout(), rep, asJSON); err != nil {
		return err
	}
	return answer
}

// printMCFReport writes rep as one JSON object or as a summary for people.
func printMCFReport(w io.Writer, rep mcfReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return enc.Encode(rep)
	}
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("%s: %d nodes, %d arcs\n", rep.File, rep.Nodes, rep.Arcs)
	p("status       %s\n", rep.Status)
	if rep.Status == "optimal" {
		p("objective    %d\n", rep.Objective)
		p("certificate  %s", rep.Certificate)
		if rep.Certificate == "verified" {
			p(" (dual bound %d)", rep.DualBound)
		}
		p("\n")
	}
	if rep.Detail != "" {
		p("detail       %s\n", rep.Detail)
	}
	if rep.Status == "optimal" {
		p("algorithm    %s, %d pivots\n", rep.Algorithm, rep.Pivots)
	} else {
		p("algorithm    %s\n", rep.Algorithm)
	}
	p("parse        %.3f s\n", rep.ParseSeconds)
	p("solve        %.3f s\n", rep.SolveSeconds)
	return err
}

// writeFlowCSV writes the flow of every arc to path as
// "arc,tail,head,flow", arcs and nodes 1-based as in the DIMACS file.
func writeFlowCSV(path string, n *solver.Network, flow *solver.Flow) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	b := []byte("arc,tail,head,flow\n")
	for a := range n.Arcs() {
		b = strconv.AppendInt(b, int64(a)+1, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(n.Tail[a])+1, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(n.Head[a])+1, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, flow.Flow[a], 10)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		b = b[:0]
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
