package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/file"
	jobsparquet "github.com/paidan/paidan/jobs/parquet"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
	"github.com/paidan/paidan/solver"
)

// planFlags are the flags shared by plan and explain.
type planFlags struct {
	dataset     string
	rules       string
	skipInvalid bool
	asOf        string
	// dumpNetworks, when set, is a directory that receives each pricing
	// round's network as DIMACS (round-1.min, ...); plan only.
	dumpNetworks string
	// progress logs each stage and pricing round to stderr even when it
	// is not a terminal; plan only.
	progress bool
	// sampleMinTasks is model.Options.SampleMinTasks; plan only.
	sampleMinTasks int
}

func (f *planFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.dataset, "dataset", "", "dataset directory: tasks and workers as CSV or Parquet, optional rules.yaml (required)")
	fl.StringVar(&f.rules, "rules", "", "rules file overriding the dataset's rules.yaml")
	fl.BoolVar(&f.skipInvalid, "skip-invalid", false, "drop invalid rows (reported on stderr) instead of failing")
	registerAsOf(cmd, &f.asOf)
}

// registerAsOf adds the --as-of flag.
func registerAsOf(cmd *cobra.Command, asOf *string) {
	cmd.Flags().StringVar(asOf, "as-of", "", "planning instant, RFC 3339 (e.g. 2026-01-05T09:00:00Z); default the dataset's latest created_at")
}

// parseAsOf reads an --as-of value; "" is the zero time (the dataset's
// latest created_at).
func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usageErrorf("--as-of %q: want an RFC 3339 time such as 2026-01-05T09:00:00Z", s)
	}
	return t, nil
}

// stageTimes records how long each stage of a command took, in order.
type stageTimes struct {
	names  []string
	times  []time.Duration
	rounds int // solver rounds of the model, 0 if it did not run
	arcs   int // candidate arcs of the model's final network
	// roundSolve is the solve time of each of the model's rounds.
	roundSolve []time.Duration
}

func (s *stageTimes) add(name string, d time.Duration) {
	s.names = append(s.names, name)
	s.times = append(s.times, d)
}

// addModel adds the stages of a model.Plan run.
func (s *stageTimes) addModel(st model.Stats) {
	s.rounds, s.arcs, s.roundSolve = st.Rounds, st.Candidates, st.RoundSolve
	s.add(model.StagePrune, st.Prune)
	s.add(model.StageBuild, st.Build)
	s.add(model.StageSolve, st.Solve)
	s.add(model.StageVerify, st.Verify)
	s.add(model.StagePrice, st.Price)
	s.add(model.StageClassify, st.Classify)
	s.add(model.StageFinish, st.Finish)
}

// String formats the stages as "load 0.120s, prune 0.200s, solve 1.500s (2
// rounds), ...; total 2.000s".
func (s *stageTimes) String() string {
	var b strings.Builder
	var total time.Duration
	for i, n := range s.names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.3fs", n, s.times[i].Seconds())
		if n == model.StageSolve && s.rounds > 1 {
			fmt.Fprintf(&b, " (%d rounds)", s.rounds)
		}
		total += s.times[i]
	}
	fmt.Fprintf(&b, "; total %.3fs", total.Seconds())
	return b.String()
}

// seconds returns the stages as a name → seconds map for JSON.
func (s *stageTimes) seconds() map[string]float64 {
	m := make(map[string]float64, len(s.names))
	for i, n := range s.names {
		m[n] = s.times[i].Seconds()
	}
	return m
}

// roundSeconds returns the solve seconds of each model round.
func (s *stageTimes) roundSeconds() []float64 {
	out := make([]float64, len(s.roundSolve))
	for i, d := range s.roundSolve {
		out[i] = d.Seconds()
	}
	return out
}

// elapsed formats the wall time since began and the process's CPU time
// for progress lines ("[12.3s, cpu 10.14s]").
func elapsed(began time.Time) string {
	return fmt.Sprintf("[%.1fs, cpu %.2fs]", time.Since(began).Seconds(), processCPU().Seconds())
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// sentinels are the errors whose text only programs need: a person reads
// the cause before them ("rules.yaml:1: max_distance_km: \"ten\" is not a
// number"), so forPerson leaves them out.
var sentinels = []error{
	paidan.ErrDuplicateID, paidan.ErrNotFinite, paidan.ErrNegative, paidan.ErrOutOfRange,
	paidan.ErrUnknownRef, paidan.ErrInvalidUTF8, paidan.ErrTooLong, paidan.ErrMissingColumn,
	paidan.ErrMissingValue, paidan.ErrSyntax, paidan.ErrUnknownKey, parquet.ErrIncomplete,
}

// personError presents an error of the plan, explain and regress commands
// to a person: its text without the sentinel texts at the end of its
// causes. errors.Is and errors.As still see the whole chain.
type personError struct{ err error }

func (e personError) Error() string {
	text := e.err.Error()
	for _, s := range sentinels {
		text = strings.ReplaceAll(text, ": "+s.Error(), "")
	}
	return text
}

func (e personError) Unwrap() error { return e.err }

// personRunE makes a command's errors read for a person (forPerson).
func personRunE(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error { return forPerson(run(cmd, args)) }
}

// forPerson wraps err in personError; nil stays nil.
func forPerson(err error) error {
	if err == nil {
		return nil
	}
	return personError{err}
}

// loadAndPlan loads the dataset and plans it. Skipped rows and, on a
// terminal, the stage being run are reported on stderr. A failed
// certificate is an answerNo error.
func loadAndPlan(ctx context.Context, f planFlags, stderr io.Writer, stages *stageTimes) (*file.Dataset, *paidan.Plan, error) {
	if f.dataset == "" {
		return nil, nil, usageErrorf("--dataset is required")
	}
	progress := func(string) {}
	var roundDone func(model.RoundReport)
	if f.progress || isTerminal(stderr) {
		began := time.Now()
		progress = func(stage string) {
			fmt.Fprintf(stderr, "paidan: %s %s…\n", elapsed(began), stage)
		}
		roundDone = func(r model.RoundReport) {
			sample := ""
			if r.Sample > 0 {
				sample = fmt.Sprintf("sample %d (%d tasks) ", r.Sample, r.Tasks)
			}
			fmt.Fprintf(stderr, "paidan: %s %sround %d: %d arcs, objective %d units, solve %.1fs, price %.1fs (%d pairs), %d arcs added\n",
				elapsed(began), sample, r.Round, r.Arcs, r.Objective, r.Solve.Seconds(), r.Price.Seconds(), r.Priced, r.Added)
		}
	}
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return nil, nil, err
	}
	progress("load")
	start := time.Now()
	ds, err := file.Load(ctx, f.dataset, file.Options{SkipInvalid: f.skipInvalid, AsOf: asOf})
	if err != nil {
		return nil, nil, err // file.Load names the dataset
	}
	for _, e := range ds.Skipped {
		fmt.Fprintf(stderr, "paidan: skipped %v\n", e)
	}
	if f.rules != "" {
		if ds.Rules, err = file.LoadRules(f.rules); err != nil {
			return nil, nil, err // an *InputError naming the file
		}
	}
	stages.add("load", time.Since(start))
	opt := model.Options{Progress: progress, RoundDone: roundDone, SampleMinTasks: f.sampleMinTasks}
	if f.dumpNetworks != "" {
		if err := os.MkdirAll(f.dumpNetworks, 0o755); err != nil {
			return nil, nil, fmt.Errorf("--dump-networks: %w", err)
		}
		opt.RoundNetwork = func(round int, d *solver.Dispatch) error {
			return dumpNetwork(filepath.Join(f.dumpNetworks, fmt.Sprintf("round-%d.min", round)), d)
		}
	}
	p, st, err := model.Plan(ctx, ds.Batch, ds.Rules, opt)
	stages.addModel(st)
	if errors.Is(err, paidan.ErrCertificate) {
		return nil, nil, answerNo(err)
	}
	if err != nil {
		return nil, nil, err
	}
	return ds, p, nil
}

func newPlanCmd() *cobra.Command {
	var (
		f      planFlags
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "plan --dataset DIR",
		Short: "Plan a dataset: assign its tasks at minimum cost and print the KPIs",
		Long: `Plan loads a dataset directory (tasks and workers as CSV or Parquet, and an
optional rules.yaml), assigns the tasks to workers at provably minimum total
cost over every eligible task-worker pair (the search starts from each task's
candidates_per_task nearest workers; pricing adds every pair that could lower
the cost and solves again until none is left), and prints the KPIs overall, by
region and the unassigned tasks by reason. The time of each stage goes to
stderr.

With --out ROOT, the plan is written as Parquet files and a manifest into
ROOT/date=YYYY-MM-DD/run=RUN_ID (the layout of paidan export), with the
planned input (tasks, workers, rules) under input/ and run.json: a run
directory, which "paidan explain --plan DIR" answers from without planning
again, "paidan verify DIR" re-checks and "paidan replay DIR" re-plans. With --json, stdout holds exactly one JSON object instead of the
tables. Exit status 3 means the optimality certificate failed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			var stages stageTimes
			ds, p, err := loadAndPlan(cmd.Context(), f, stderr, &stages)
			if err != nil {
				return err
			}
			if out != "" {
				start := time.Now()
				dir, err := savePlan(cmd.Context(), out, ds, p)
				if err != nil {
					return err
				}
				stages.add("write", time.Since(start))
				fmt.Fprintf(stderr, "paidan: plan written to %s (paidan explain --plan %s --task ID)\n", dir, dir)
			}
			fmt.Fprintf(stderr, "stages: %v\n", &stages)
			if asJSON {
				return writePlanJSON(cmd.OutOrStdout(), p, &stages)
			}
			return writeKPIs(cmd.OutOrStdout(), p)
		},
	}
	cmd.RunE = personRunE(cmd.RunE)
	f.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "export root: the plan goes to ROOT/date=YYYY-MM-DD/run=RUN_ID as Parquet, with its input")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of tables")
	cmd.Flags().BoolVar(&f.progress, "progress", false, "log each stage and pricing round (arcs, objective, times) to stderr also when it is not a terminal, e.g. into a log file")
	cmd.Flags().StringVar(&f.dumpNetworks, "dump-networks", "", "directory to write each pricing round's network into as DIMACS (round-1.min, ...), outside the stage timers")
	cmd.Flags().IntVar(&f.sampleMinTasks, "sample-min-tasks", 0,
		fmt.Sprintf("seed the first network from the plan of a quarter-size sample when the batch has at least this many tasks; 0: %d, -1: never (the optimum is the same, only the time changes)", model.DefaultSampleMinTasks))
	return cmd
}

// savePlan writes the plan and its input as a run directory under root
// (jobs/parquet.Dir: ROOT/date=YYYY-MM-DD/run=RUN_ID, the layout of every
// export; package runsnap): the input dataset in input/ and run.json
// first, then the Parquet export with its dual potentials, whose manifest,
// written last, marks the directory complete. It returns the run
// directory, which explain --plan, verify and replay read.
func savePlan(ctx context.Context, root string, ds *file.Dataset, p *paidan.Plan) (string, error) {
	dir := jobsparquet.Dir(root, p)
	if err := runsnap.WriteInput(ctx, dir, ds.Batch, ds.Rules, runsnap.RunOf(p), 0); err != nil {
		return "", err
	}
	h := &jobsparquet.Hive{Root: root, Options: parquet.Options{Version: buildVersion()}}
	return h.Export(ctx, p)
}

// loadSavedPlan reads a run directory (runsnap.Read) and checks that its
// rules are the ones the plan names; model.Explain checks the input hash.
func loadSavedPlan(ctx context.Context, dir string) (*runsnap.Snapshot, error) {
	s, err := runsnap.Read(ctx, dir)
	if err != nil {
		return nil, err
	}
	if h := model.RulesHash(s.Rules); h != s.Plan.RulesHash {
		return nil, fmt.Errorf("saved plan %s: its rules hash to %s, the plan was made under %s", dir, h, s.Plan.RulesHash)
	}
	return s, nil
}

// planJSON is the --json output of plan.
type planJSON struct {
	RunID          string             `json:"run_id"`
	Objective      float64            `json:"objective"`
	ObjectiveUnits int64              `json:"objective_units"`
	DualBound      int64              `json:"dual_bound"`
	Resolution     float64            `json:"resolution"`
	Tasks          int                `json:"tasks"`
	Assigned       int                `json:"assigned"`
	Unassigned     map[string]int     `json:"unassigned"`
	Certificate    string             `json:"certificate"`
	Rounds         int                `json:"rounds"`
	PricedPairs    int64              `json:"priced_pairs"`
	AddedArcs      int                `json:"added_arcs"`
	SampleTasks    int                `json:"sample_tasks"`
	SeededArcs     int                `json:"seeded_arcs"`
	CandidateArcs  int                `json:"candidate_arcs"`
	StageSeconds   map[string]float64 `json:"stage_seconds"`
	RoundSeconds   []float64          `json:"round_seconds"`
}

// reasonCounts returns the unassigned counts by reason code, with every
// reason present.
func reasonCounts(s paidan.Summary) map[string]int {
	m := map[string]int{}
	for _, r := range paidan.Reasons() {
		m[r.String()] = s.UnassignedByReason[r]
	}
	return m
}

func writePlanJSON(w io.Writer, p *paidan.Plan, stages *stageTimes) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(planJSON{
		RunID:          p.RunID,
		Objective:      p.Objective,
		ObjectiveUnits: p.ObjectiveUnits,
		DualBound:      p.DualBound,
		Resolution:     p.Resolution,
		Tasks:          p.KPIs.Overall.Tasks,
		Assigned:       p.KPIs.Overall.Assigned,
		Unassigned:     reasonCounts(p.KPIs.Overall),
		Certificate:    p.Certificate.String(),
		Rounds:         p.Pricing.Rounds,
		PricedPairs:    p.Pricing.PricedPairs,
		AddedArcs:      p.Pricing.AddedArcs,
		SampleTasks:    p.Pricing.SampleTasks,
		SeededArcs:     p.Pricing.SeededArcs,
		CandidateArcs:  stages.arcs,
		StageSeconds:   stages.seconds(),
		RoundSeconds:   stages.roundSeconds(),
	})
}

// writeKPIs prints the plan's headline, the KPI table (overall, then by
// region) and the unassigned tasks by reason.
func writeKPIs(w io.Writer, p *paidan.Plan) error {
	fmt.Fprintf(w, "plan %s: objective %.3f (%d units of %g), dual bound %d, certificate %s\n",
		p.RunID, p.Objective, p.ObjectiveUnits, p.Resolution, p.DualBound, p.Certificate)
	fmt.Fprintf(w, "optimal over every eligible task-worker pair: %d pricing rounds, %d pairs priced, %d arcs added",
		p.Pricing.Rounds, p.Pricing.PricedPairs, p.Pricing.AddedArcs)
	if p.Pricing.SampleTasks > 0 {
		fmt.Fprintf(w, " (%d seeded from a sample of %d tasks)", p.Pricing.SeededArcs, p.Pricing.SampleTasks)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "region\ttasks\tassigned\tunassigned\tworkers\ttotal cost\tmean cost\tkm p50\tkm p90\tutil p50\tutil p90\t")
	row := func(name string, s paidan.Summary) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, s.Tasks, s.Assigned, s.Unassigned,
			s.Workers, s.TotalCost, s.MeanCost, s.DistanceP50, s.DistanceP90, s.UtilizationP50, s.UtilizationP90)
	}
	row("(all)", p.KPIs.Overall)
	for _, r := range p.KPIs.ByRegion {
		row(r.Region, r.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nunassigned by reason")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range paidan.Reasons() {
		fmt.Fprintf(tw, "  %s\t%d\n", r, p.KPIs.Overall.UnassignedByReason[r])
	}
	return tw.Flush()
}
