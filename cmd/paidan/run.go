package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/jobs"
)

func newRunCmd() *cobra.Command {
	var (
		f           runnerFlags
		once        bool
		ignorePause bool
	)
	cmd := &cobra.Command{
		Use:   "run --once [--partition P [--ignore-pause]] [--rules FILE] [--export-dir DIR]",
		Short: "Plan and write back each partition once (PostgreSQL)",
		Long: `Run plans every partition that has pending tasks (or each --partition)
once: it takes the partition's advisory lock, loads the pending tasks and
active workers, plans them at minimum cost with a verified certificate,
writes the plan back in one transaction, exports it as Parquet under
--export-dir, and records the run.

A partition that another run holds is skipped; a --partition that has no
task and no worker at all is an error. A partition paused in the console
is skipped (logged); a paused --partition is refused (exit status 1)
unless --ignore-pause. stdout gets one line per
run: partition, run id, status, then the figures of an applied run or the
reason of a skipped one. Logs go to stderr, with the time of each stage
of every applied run. Exit status 1 when any run
failed. The DSN comes from --db or $` + envDatabaseURL + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !once {
				return usageErrorf("run needs --once; use 'paidan schedule' to run repeatedly")
			}
			ctx := cmd.Context()
			r, db, err := f.newRunner(cmd.ErrOrStderr(), nil)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := pingDB(ctx, db, f.dsn()); err != nil {
				return err
			}
			if ignorePause {
				r.IgnorePause = true
			} else if err := refusePaused(ctx, r, f.partitions); err != nil {
				return scrub(err, f.dsn())
			}
			var results []*jobs.Result
			if len(f.partitions) == 0 {
				results, err = r.RunAll(ctx)
			} else {
				results, err = r.RunEach(ctx, f.partitions)
			}
			printResults(cmd.OutOrStdout(), results)
			failed := 0
			for _, res := range results {
				if res.Status == paidan.RunApplied {
					fmt.Fprintf(cmd.ErrOrStderr(), "paidan: %s stages: %s\n", res.Partition, runStages(res))
				}
				if res.Err != nil {
					failed++
				}
			}
			if err == nil && failed > 0 {
				err = fmt.Errorf("%d of %d runs ended with an error; see the log", failed, len(results))
			}
			if err != nil {
				return scrub(err, f.dsn())
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&once, "once", false, "run each partition once and exit (required)")
	cmd.Flags().BoolVar(&ignorePause, "ignore-pause", false, "run partitions paused in the console too")
	return cmd
}

// refusePaused returns an error naming every partition of partitions that
// is paused in the console: who paused it, when, and why.
func refusePaused(ctx context.Context, r *jobs.Runner, partitions []string) error {
	if len(partitions) == 0 {
		return nil
	}
	paused, err := r.Paused(ctx, partitions)
	if err != nil || len(paused) == 0 {
		return err
	}
	var b strings.Builder
	for i, p := range paused {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "partition %s is paused (by %s at %s", p.Partition, p.By, p.At.UTC().Format(time.RFC3339))
		if p.Note != "" {
			fmt.Fprintf(&b, ": %q", p.Note)
		}
		b.WriteString(")")
	}
	return fmt.Errorf("%s; resume it in the console, or pass --ignore-pause to run it anyway", b.String())
}

// runStages lists the stages of an applied run, the plan stage broken
// down, as "lock 0.001s, load 0.200s, prune …; total 2.000s".
func runStages(res *jobs.Result) *stageTimes {
	var st stageTimes
	st.add(jobs.StageLock, res.Stages[jobs.StageLock])
	st.add(jobs.StageLoad, res.Stages[jobs.StageLoad])
	st.addModel(res.Model)
	for _, s := range []string{jobs.StageWrite, jobs.StageExport} {
		st.add(s, res.Stages[s])
	}
	return &st
}
