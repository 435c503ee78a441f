package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

func newSolveMCFCmd() *cobra.Command {
	var (
		asJSON    bool
		out       string
		algorithm string
	)
	cmd := &cobra.Command{
		Use:   "mcf FILE",
		Short: "Solve a DIMACS min-cost flow file (p min) and verify the optimum",
		Long: `mcf reads a min-cost flow instance in DIMACS "min" format, solves it exactly,
checks the optimality certificate (solver.Verify, on the network as read),
and prints a summary, or exactly one JSON object with --json: status
("optimal", "infeasible", "unbounded" or "failed"), objective, dual_bound,
certificate ("verified", "failed" or "none"), algorithm, nodes, arcs,
iterations, parse_seconds, solve_seconds, verify_seconds and message.

--algorithm auto (the default) solves networks of the dispatch shape (unit-
supply tasks, task→worker arcs, worker→sink capacity tiers, optional
task→sink leave-unassigned arcs; see solver.AsDispatch) with the dispatch
solver, which picks its algorithm from the network's statistics (see
solver.SolveDispatch), and every other network with the network simplex;
--algorithm network-simplex always uses the network simplex, and
--algorithm cost-scaling always uses cost scaling (solver.SolveMCFCostScaling,
push-relabel with exact potentials recovered for the certificate).

--out FILE writes the flow as CSV "arc,tail,head,flow" with 1-based arc
numbers (order of the a lines) and node ids as in the file. Solver messages
(e.g. which node is short when infeasible) number nodes from 0: node k is id
k+1 in the file.

Exit codes: 0 optimal and verified, 1 error, 2 usage error, 3 infeasible,
unbounded or failed certificate.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one FILE, got %d arguments", cmd.CommandPath(), len(args))
			}
			if algorithm != "auto" && algorithm != "network-simplex" && algorithm != "cost-scaling" {
				return usageErrorf("--algorithm %q: want auto, network-simplex or cost-scaling", algorithm)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, n, flow, err := solveMCFFile(cmd, args[0], algorithm)
			if err != nil {
				return err
			}
			if flow != nil && out != "" {
				if err := writeFlowCSV(out, n, flow); err != nil {
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
	cmd.Flags().StringVar(&out, "out", "", "write the arc flows to this CSV file (arc,tail,head,flow)")
	cmd.Flags().StringVar(&algorithm, "algorithm", "auto", "auto, network-simplex or cost-scaling")
	return cmd
}

// solveMCFFile parses, solves and verifies one file. An infeasible or
// unbounded problem or a failed certificate is a report, not an error; the
// flow is nil unless the problem was solved and verified.
func solveMCFFile(cmd *cobra.Command, path, algorithm string) (*solveReport, *solver.Network, *solver.Flow, error) {
	ctx := cmd.Context()
	rep := &solveReport{Problem: "mcf", Input: path, Certificate: certNone}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	start := time.Now()
	n, err := dimacs.Parse(ctx, f, dimacs.Options{Source: path})
	if err != nil {
		return nil, nil, nil, err
	}
	rep.ParseSeconds = seconds(time.Since(start))
	rep.Nodes, rep.Arcs = n.Nodes(), n.Arcs()
	fmt.Fprintf(cmd.ErrOrStderr(), "solving min-cost flow %s: %d nodes, %d arcs\n", path, rep.Nodes, rep.Arcs)

	start = time.Now()
	flow, err := solveNetwork(ctx, n, algorithm)
	rep.SolveSeconds = seconds(time.Since(start))
	switch {
	case errors.Is(err, solver.ErrInfeasible):
		rep.Status, rep.Message, rep.cause = statusInfeasible, err.Error(), err
		return rep, n, nil, nil
	case errors.Is(err, solver.ErrUnbounded):
		rep.Status, rep.Message, rep.cause = statusUnbounded, err.Error(), err
		return rep, n, nil, nil
	case err != nil:
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	rep.Algorithm, rep.Iterations = flow.Stats.Algorithm, flow.Stats.Iterations
	rep.Objective = &flow.Objective

	start = time.Now()
	bound, err := solver.Verify(n, flow)
	rep.VerifySeconds = seconds(time.Since(start))
	if err != nil {
		rep.Status, rep.Certificate, rep.Message = statusFailed, certFailed, err.Error()
		rep.cause = fmt.Errorf("%w, the result is not proven optimal: %w", paidan.ErrCertificate, err)
		return rep, n, nil, nil
	}
	rep.Status, rep.Certificate, rep.DualBound = statusOptimal, certVerified, &bound
	return rep, n, flow, nil
}

// solveNetwork solves n with the --algorithm named: "cost-scaling" by
// cost scaling, "auto" by the dispatch solver when n has the dispatch
// shape, and otherwise by the network simplex.
func solveNetwork(ctx context.Context, n *solver.Network, algorithm string) (*solver.Flow, error) {
	if algorithm == "cost-scaling" {
		return solver.SolveMCFCostScaling(ctx, n)
	}
	if algorithm == "auto" {
		if d, m, ok := solver.AsDispatch(n); ok {
			res, err := solver.SolveDispatch(ctx, d)
			if err != nil {
				return nil, err
			}
			return m.Flow(res), nil
		}
	}
	return solver.SolveMCF(ctx, n)
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
