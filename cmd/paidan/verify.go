package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
)

// oneRunDir accepts exactly one positional argument, a run directory.
func oneRunDir(name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageErrorf("%s takes one run directory (from paidan plan --out or paidan export --run ID)", name)
		}
		return nil
	}
}

// readRunDir reads a run directory for verify and replay: a missing
// directory is a usage error; files that cannot be trusted or decoded are
// a refutation (exit 3), since nothing can then be re-checked.
func readRunDir(ctx context.Context, dir string) (*runsnap.Snapshot, error) {
	s, err := runsnap.Read(ctx, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && s == nil && !errors.Is(err, runsnap.ErrUnreadable):
		return nil, usageErrorf("%v", err)
	case errors.Is(err, runsnap.ErrUnreadable):
		return nil, answerNo(fmt.Errorf("refuted: files: %w", err))
	}
	return s, err
}

func newVerifyCmd() *cobra.Command {
	var parallel int
	cmd := &cobra.Command{
		Use:   "verify RUNDIR",
		Short: "Re-check a run's optimality certificate offline, from its files alone",
		Long: `Verify re-checks the certificate of the run kept in RUNDIR (written by
"paidan plan --out" or "paidan export --run ID"), from the files alone,
trusting nothing of the plan but its decisions and numbers. It checks that
the plan's files match their manifest (SHA-256), that the run record's input
and rules hashes (run.json) are the plan's and those of the input in
RUNDIR/input; then it recomputes eligibility and costs from that input and
proves: every task assigned or left out once; every assignment eligible
under every hard rule, pins honoured, no worker over capacity (primal
feasibility); every stored distance, cost and penalty what the rules give;
every reduced cost of the plan's network of the sign its flow allows under
the stored dual potentials (dual feasibility, complementary slackness); the
objective equal to the recomputed cost and to the dual bound; and no
eligible task-worker pair off the plan with a negative reduced cost
(pricing optimality over every eligible pair).

Exit status 0: verified. 3: refuted; stderr names the check and the task,
worker, file or figure that fails it. 2: RUNDIR does not exist.`,
		Args: oneRunDir("verify"),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			s, err := readRunDir(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			read := time.Since(start)
			c, err := runsnap.Verify(cmd.Context(), s, parallel)
			if errors.Is(err, model.ErrRefuted) {
				return answerNo(fmt.Errorf("run %s: %w", s.Plan.RunID, err))
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "verified: run %s (partition %q, from %s): %d tasks, %d workers, %d assigned, %d left out\n",
				s.Plan.RunID, s.Run.Partition, s.Run.Source, c.Tasks, c.Workers, c.Assigned, c.Unassigned)
			fmt.Fprintf(out, "objective %d units = dual bound %d = the cost recomputed from the input; %d eligible pairs priced, none negative\n",
				c.Objective, c.DualBound, c.PricedPairs)
			fmt.Fprintf(cmd.ErrOrStderr(), "stages: read %.3fs, prepare %.3fs, check %.3fs, price %.3fs; total %.3fs\n",
				read.Seconds(), c.Prepare.Seconds(), c.Check.Seconds(), c.Price.Seconds(), time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().IntVar(&parallel, "parallel", 0, "goroutines that price pairs; 0 means GOMAXPROCS (the verdict does not depend on it)")
	return cmd
}

func newReplayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay RUNDIR",
		Short: "Plan a kept run's input again and check the plan is bit-identical",
		Long: `Replay plans the input kept in RUNDIR (written by "paidan plan --out" or
"paidan export --run ID") again, under its rules, and compares the new plan
with the stored one bit for bit: objective, dual bound, every assignment
(task, worker, distance as float64 bits, cost units, pin), every left-out
task (reason, detail, penalty) and every dual potential.

Exit status 0: identical. 3: the plans differ (stderr lists up to 20
differences) or RUNDIR's files cannot be trusted. 2: RUNDIR does not exist.`,
		Args: oneRunDir("replay"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readRunDir(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			p, _, diffs, err := runsnap.Replay(cmd.Context(), s, model.Options{})
			if err != nil {
				return err
			}
			if len(diffs) > 0 {
				for _, d := range diffs {
					fmt.Fprintf(cmd.ErrOrStderr(), "paidan: replay: %s\n", d)
				}
				return answerNo(fmt.Errorf("run %s: the replayed plan differs from the stored one (%d differences listed)", s.Plan.RunID, len(diffs)))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "identical: run %s replayed in %.3fs: %d assignments, %d left out, objective %d units, dual bound %d, %d potentials, bit for bit\n",
				p.RunID, time.Since(start).Seconds(), len(p.Assignments), len(p.Unassigned), p.ObjectiveUnits, p.DualBound, len(p.Potentials))
			return nil
		},
	}
	return cmd
}
