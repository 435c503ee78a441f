package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
)

func newExplainCmd() *cobra.Command {
	var (
		f       planFlags
		saved   string
		id      string
		workers int
	)
	cmd := &cobra.Command{
		Use:   "explain (--plan DIR | --dataset DIR) --task ID",
		Short: "Explain why a task got its worker, or why it is unassigned",
		Long: `Explain prints for one task its facts, its outcome and why, and every worker
considered: the verdict of each hard rule (skill, region, range, shift,
capacity) and, for eligible workers, what the task would cost on them. The
dual view gives each eligible worker not chosen its reduced cost under the
plan's dual potentials: the least by which the plan's total cost would rise
were the task given to that worker, never negative (why no other worker is
better). Pinned tasks have none.

With --plan DIR (a run directory that "paidan plan --out" wrote) it answers
from the saved plan, its potentials and its input, without planning again.
With --dataset DIR it plans the dataset first, as "paidan plan" does.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usageErrorf("--task is required")
			}
			var (
				ds    *file.Dataset
				p     *paidan.Plan
				err   error
				where string
			)
			switch {
			case saved != "" && (f.dataset != "" || f.rules != "" || f.asOf != ""):
				return usageErrorf("--plan explains a saved plan: it takes no --dataset, --rules or --as-of")
			case saved != "":
				var s *runsnap.Snapshot
				if s, err = loadSavedPlan(cmd.Context(), saved); err == nil {
					ds, p = &file.Dataset{Batch: s.Batch, Rules: s.Rules}, s.Plan
				}
				where = saved
			default:
				var stages stageTimes
				ds, p, err = loadAndPlan(cmd.Context(), f, cmd.ErrOrStderr(), &stages)
				where = f.dataset
			}
			if err != nil {
				return err
			}
			e, err := model.Explain(ds.Batch, ds.Rules, p, paidan.TaskID(id))
			if errors.Is(err, model.ErrNoTask) {
				return usageErrorf("--task %s: no such task in %s", id, where)
			}
			if err != nil {
				return err
			}
			return writeExplanation(cmd.OutOrStdout(), e, p, workers)
		},
	}
	cmd.RunE = personRunE(cmd.RunE)
	f.register(cmd)
	cmd.Flags().StringVar(&saved, "plan", "", "run directory of a plan saved by plan --out: explain from it without planning again")
	cmd.Flags().StringVar(&id, "task", "", "id of the task to explain (required)")
	cmd.Flags().IntVar(&workers, "workers", 20, "how many workers to list, best first; 0 lists all")
	return cmd
}

func writeExplanation(w io.Writer, e *model.Explanation, p *paidan.Plan, limit int) error {
	t := &e.Task
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	due := "-"
	if !t.DueAt.IsZero() {
		due = t.DueAt.UTC().Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(w, "plan %s as of %s\n", p.RunID, p.AsOf.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "task %s: region %s, skills %s, priority %d, at %.6f,%.6f, due %s, pinned %s, previous %s\n",
		t.ID, orNone(t.Region), orNone(strings.Join(t.Skills, ";")), t.Priority, t.Location.Lat, t.Location.Lon,
		due, orNone(string(t.PinnedWorker)), orNone(string(t.PreviousWorker)))
	fmt.Fprintf(w, "%s\n", e.Why)
	if e.Priced {
		fmt.Fprintln(w, "reduced: cost on the worker − the task's dual potential + the worker's; the least the plan's total would rise with this worker")
	}
	fmt.Fprintln(w)

	list := e.Workers
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "worker\tkm\tarrival\tskill\tregion\trange\tshift\tcapacity\tcost\treduced\t")
	verdict := func(r model.RuleCheck) string {
		if r.OK {
			return "ok"
		}
		return r.Detail
	}
	for _, c := range list {
		name, cost := string(c.Worker), "-"
		switch {
		case c.Chosen:
			name += " *"
			fallthrough
		case c.Eligible && !c.Full:
			cost = fmt.Sprintf("%.1f (travel %.1f, balance %.1f, stability %.1f)", c.Cost.Total(), c.Cost.Travel, c.Cost.Balance, c.Cost.Stability)
		case c.Full:
			cost = "full in this plan"
		}
		reduced := "-"
		if e.Priced && c.Eligible && !c.Chosen {
			reduced = fmt.Sprintf("%.1f", c.ReducedCost)
		}
		arrival := "-"
		if !c.Arrival.IsZero() {
			arrival = c.Arrival.UTC().Format("15:04 MST")
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, c.DistanceKm, arrival,
			verdict(c.Skill), verdict(c.Region), verdict(c.Range), verdict(c.Shift), verdict(c.Capacity), cost, reduced)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(list) < len(e.Workers) {
		fmt.Fprintf(w, "(%d more workers; --workers 0 lists all)\n", len(e.Workers)-len(list))
	}
	return nil
}
