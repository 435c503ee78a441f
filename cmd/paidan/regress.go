package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/atomicdir"
)

// expectedFile is the name of a regression dataset's expected result.
const expectedFile = "expected.json"

// expected is the content of expected.json: the figures of a verified plan
// of the dataset under its own rules.yaml.
type expected struct {
	ObjectiveUnits int64          `json:"objective_units"`
	Objective      float64        `json:"objective"`
	Tasks          int            `json:"tasks"`
	Assigned       int            `json:"assigned"`
	Unassigned     map[string]int `json:"unassigned"`
	Certificate    string         `json:"certificate"`
}

func expectedOf(p *paidan.Plan) expected {
	return expected{
		ObjectiveUnits: p.ObjectiveUnits,
		Objective:      p.Objective,
		Tasks:          p.KPIs.Overall.Tasks,
		Assigned:       p.KPIs.Overall.Assigned,
		Unassigned:     reasonCounts(p.KPIs.Overall),
		Certificate:    p.Certificate.String(),
	}
}

// diff lists how got differs from want, for a planner.
func (want expected) diff(got expected) []string {
	var d []string
	if got.ObjectiveUnits != want.ObjectiveUnits {
		worse := "worse"
		if got.ObjectiveUnits < want.ObjectiveUnits {
			worse = "better"
		}
		d = append(d, fmt.Sprintf("objective_units %d, expected %d (%s)", got.ObjectiveUnits, want.ObjectiveUnits, worse))
	}
	if math.Abs(got.Objective-want.Objective) > 1e-9*max(1, math.Abs(want.Objective)) {
		d = append(d, fmt.Sprintf("objective %g, expected %g", got.Objective, want.Objective))
	}
	if got.Tasks != want.Tasks {
		d = append(d, fmt.Sprintf("tasks %d, expected %d", got.Tasks, want.Tasks))
	}
	if got.Assigned != want.Assigned {
		d = append(d, fmt.Sprintf("assigned %d, expected %d", got.Assigned, want.Assigned))
	}
	for _, r := range paidan.Reasons() {
		if g, w := got.Unassigned[r.String()], want.Unassigned[r.String()]; g != w {
			d = append(d, fmt.Sprintf("unassigned %s %d, expected %d", r, g, w))
		}
	}
	if got.Certificate != want.Certificate {
		d = append(d, fmt.Sprintf("certificate %s, expected %s", got.Certificate, want.Certificate))
	}
	return d
}

func newRegressCmd() *cobra.Command {
	var (
		root   string
		update bool
		asOf   string
	)
	cmd := &cobra.Command{
		Use:   "regress [DIR...]",
		Short: "Re-solve regression datasets and compare with their expected.json",
		Long: `Regress plans each dataset directory under its own rules and compares the
result with the directory's expected.json: objective (in integer units and
cost units), tasks, assigned, unassigned by reason and certificate. With no
DIR it takes every directory under --root that has an expected.json (with
--update, every directory that has tasks).

It prints one row per dataset and exits with status 3 when any dataset
differs or fails its certificate. --update rewrites expected.json from the
new results instead (review the diff before committing it).`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if len(dirs) == 0 {
				var err error
				if dirs, err = regressionDirs(root, update); err != nil {
					return err
				}
				if len(dirs) == 0 {
					return fmt.Errorf("no dataset with %s under %s", expectedFile, root)
				}
			}
			return regress(cmd, dirs, update, asOf)
		},
	}
	cmd.RunE = personRunE(cmd.RunE)
	cmd.Flags().StringVar(&root, "root", "datasets", "directory whose subdirectories are the default datasets")
	cmd.Flags().BoolVar(&update, "update", false, "rewrite each dataset's expected.json from the new result")
	registerAsOf(cmd, &asOf)
	return cmd
}

// regressionDirs returns the subdirectories of root that hold an
// expected.json (with update, those that hold tasks), sorted.
func regressionDirs(root string, update bool) ([]string, error) {
	pattern := expectedFile
	if update {
		pattern = "tasks.*"
	}
	matches, err := filepath.Glob(filepath.Join(root, "*", pattern))
	if err != nil {
		return nil, err
	}
	dirs := make([]string, len(matches))
	for i, m := range matches {
		dirs[i] = filepath.Dir(m)
	}
	slices.Sort(dirs)
	return dirs, nil
}

func regress(cmd *cobra.Command, dirs []string, update bool, asOf string) error {
	stdout := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "dataset\tstatus\tobjective units\texpected\tassigned\tunassigned\tseconds\t")
	var notes []string
	failed := 0
	for _, dir := range dirs {
		start := time.Now()
		var stages stageTimes
		_, p, err := loadAndPlan(cmd.Context(), planFlags{dataset: dir, asOf: asOf}, cmd.ErrOrStderr(), &stages)
		if ce, ok := errors.AsType[*codeError](err); ok && ce.code == exitNo {
			failed++
			fmt.Fprintf(tw, "%s\tFAIL\t-\t-\t-\t-\t%.2f\t\n", dir, time.Since(start).Seconds())
			notes = append(notes, fmt.Sprintf("%s: %v", dir, err))
			continue
		}
		if err != nil {
			return fmt.Errorf("regress %s: %w", dir, err)
		}
		got := expectedOf(p)
		path := filepath.Join(dir, expectedFile)
		status, want := "ok", "-"
		if update {
			if err := writeExpected(path, got); err != nil {
				return err
			}
			status = "updated"
		} else {
			exp, err := readExpected(path)
			if err != nil {
				return err
			}
			want = fmt.Sprint(exp.ObjectiveUnits)
			if d := exp.diff(got); len(d) > 0 {
				failed++
				status = "DIFF"
				for _, line := range d {
					notes = append(notes, fmt.Sprintf("%s: %s", dir, line))
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%.2f\t\n", dir, status, got.ObjectiveUnits, want,
			got.Assigned, got.Tasks-got.Assigned, time.Since(start).Seconds())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	if failed > 0 {
		return answerNo(fmt.Errorf("%d of %d datasets differ from %s or failed their certificate", failed, len(dirs), expectedFile))
	}
	return nil
}

func readExpected(path string) (expected, error) {
	var e expected
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return e, fmt.Errorf("%s: missing; create it with regress --update: %w", path, err)
	}
	if err != nil {
		return e, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, &paidan.InputError{Source: path, Err: fmt.Errorf("%w: %v", paidan.ErrSyntax, err)}
	}
	return e, nil
}

func writeExpected(path string, e expected) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	// Checked in: readable by everyone, as the other files of a dataset.
	return atomicdir.WriteFile(filepath.Dir(path), filepath.Base(path), func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	}, atomicdir.Options{FileMode: 0o644})
}
