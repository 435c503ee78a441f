package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/model"
)

// datasetsDir is the checked-in regression datasets, seen from this package.
const datasetsDir = "../../datasets"

func readExpectedTB(tb testing.TB, dir string) expected {
	tb.Helper()
	e, err := readExpected(filepath.Join(dir, expectedFile))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestPlanCommand(t *testing.T) {
	t.Parallel()
	tiny := filepath.Join(datasetsDir, "tiny")
	want := readExpectedTB(t, tiny)

	t.Run("tables", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runCLI(t, "plan", "--dataset", tiny)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, s := range []string{"certificate verified", "optimal over every eligible task-worker pair: 1 pricing rounds", "(all)", "centre", "north", "no_skill            1", "pinned_infeasible   0"} {
			if !strings.Contains(stdout, s) {
				t.Errorf("stdout lacks %q:\n%s", s, stdout)
			}
		}
		for _, s := range []string{"stages: load ", "prune ", "solve ", "verify ", "; total "} {
			if !strings.Contains(stderr, s) {
				t.Errorf("stderr lacks %q: %s", s, stderr)
			}
		}
	})

	t.Run("progress", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--progress")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, s := range []string{", cpu ", "s] load…\n", "s] solve…\n", "s] round 1: ", " arcs, objective ", "0 arcs added\n", "stages: load "} {
			if !strings.Contains(stderr, s) {
				t.Errorf("stderr lacks %q: %s", s, stderr)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		dec := json.NewDecoder(strings.NewReader(stdout))
		dec.DisallowUnknownFields()
		var got planJSON
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("decode %q: %v", stdout, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Errorf("stdout holds more than one JSON value: %q", stdout)
		}
		if got.ObjectiveUnits != want.ObjectiveUnits || got.DualBound != want.ObjectiveUnits || got.Assigned != want.Assigned ||
			got.Certificate != "verified" || got.Unassigned["no_skill"] != 1 || got.Rounds < 1 {
			t.Errorf("got %+v; want objective %d, assigned %d, one no_skill, verified, rounds ≥ 1", got, want.ObjectiveUnits, want.Assigned)
		}
		// The counts are the model's own, passed through: plan tiny the
		// same way through the model and compare.
		ds, err := file.Load(t.Context(), tiny, file.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, st, err := model.Plan(t.Context(), ds.Batch, ds.Rules, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.CandidateArcs != st.Candidates || got.PricedPairs != p.Pricing.PricedPairs || got.AddedArcs != p.Pricing.AddedArcs ||
			got.Rounds != p.Pricing.Rounds || got.CandidateArcs < 1 || got.AddedArcs != 0 {
			t.Errorf("got %d candidate arcs, %d priced pairs, %d added arcs, %d rounds; the model planned %d, %d, %d, %d (no arc added on tiny)",
				got.CandidateArcs, got.PricedPairs, got.AddedArcs, got.Rounds, st.Candidates, p.Pricing.PricedPairs, p.Pricing.AddedArcs, p.Pricing.Rounds)
		}
		for _, stage := range []string{"load", "prune", "build", "solve", "verify", "price", "classify", "finish"} {
			if _, ok := got.StageSeconds[stage]; !ok {
				t.Errorf("stage_seconds lacks %s: %v", stage, got.StageSeconds)
			}
		}
	})

	t.Run("parquet out", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "export")
		_, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--out", out)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr, "write ") {
			t.Errorf("stderr lacks the write stage: %s", stderr)
		}
		runs, err := filepath.Glob(filepath.Join(out, "date=*", "run=*"))
		if err != nil || len(runs) != 1 {
			t.Fatalf("run directories %v, %v; want one, date=/run= as export writes", runs, err)
		}
		run := runs[0]
		rows, err := parquetgo.ReadFile[parquet.AssignmentRow](filepath.Join(run, parquet.AssignmentsFile))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want.Assigned {
			t.Errorf("%d assignment rows; want %d", len(rows), want.Assigned)
		}
		if _, err := os.Stat(filepath.Join(run, parquet.ManifestFile)); err != nil {
			t.Errorf("no manifest: %v", err)
		}
	})

	t.Run("as of", func(t *testing.T) {
		t.Parallel()
		// tiny's latest created_at is 09:00:00; 36 s later its one
		// unassigned task (no_skill, never assignable) has waited 0.01 h
		// more: 10 per hour × 0.01 h = 0.1 = 100 units. No deadline or
		// shift binds within 36 s, so nothing else moves.
		stdout, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--json", "--as-of", "2026-01-05T17:00:36+08:00")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got planJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.ObjectiveUnits != want.ObjectiveUnits+100 || got.Assigned != want.Assigned {
			t.Errorf("objective %d units, %d assigned; want %d + 100, %d", got.ObjectiveUnits, got.Assigned, want.ObjectiveUnits, want.Assigned)
		}
		_, stderr, code = runCLI(t, "plan", "--dataset", tiny, "--as-of", "yesterday")
		if code != exitUsage || !strings.Contains(stderr, "RFC 3339") {
			t.Errorf("--as-of yesterday: exit %d, %q; want usage error naming RFC 3339", code, stderr)
		}
	})

	t.Run("rules override", func(t *testing.T) {
		t.Parallel()
		rules := filepath.Join(t.TempDir(), "free.yaml")
		doc := "unassigned: {base: 0, per_priority: 0, per_waiting_hour: 0}\n"
		if err := os.WriteFile(rules, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--rules", rules, "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got planJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		// Leaving a task out is free, so nothing is worth assigning.
		if got.Assigned != 0 || got.ObjectiveUnits != 0 || got.Unassigned["cheaper_unassigned"] != 9 {
			t.Errorf("got %+v; want nothing assigned, 9 cheaper_unassigned", got)
		}
	})
}

func TestPlanCommandInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDataset(t, filepath.Join(datasetsDir, "tiny"), dir)
	tasks := filepath.Join(dir, "tasks.csv")
	data, err := os.ReadFile(tasks)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "T05,south,electrical,1,31.195,", "T05,south,electrical,1,NaN,", 1)
	if err := os.WriteFile(tasks, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}

	_, stderr, code := runCLI(t, "plan", "--dataset", dir)
	if code != exitError || !strings.Contains(stderr, "tasks.csv:6") {
		t.Errorf("strict load: exit %d, %q; want exit 1 naming tasks.csv:6", code, stderr)
	}
	stdout, stderr, code := runCLI(t, "plan", "--dataset", dir, "--skip-invalid", "--json")
	if code != exitOK || !strings.Contains(stderr, "skipped tasks.csv:6") {
		t.Fatalf("--skip-invalid: exit %d, %q; want success reporting the skipped row", code, stderr)
	}
	var got planJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Tasks != 9 {
		t.Errorf("--skip-invalid planned %d tasks (%v); want 9", got.Tasks, err)
	}
}

func TestPlanCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"plan"},
		{"plan", "--dataset", datasetsDir + "/tiny", "--bogus"},
		{"plan", "--dataset", datasetsDir + "/tiny", "extra"},
		{"explain", "--dataset", datasetsDir + "/tiny"},
		{"explain", "--dataset", datasetsDir + "/tiny", "--task", "nope"},
	} {
		if _, stderr, code := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d (%s); want %d", args, code, stderr, exitUsage)
		}
	}
	if _, _, code := runCLI(t, "plan", "--dataset", filepath.Join(t.TempDir(), "missing")); code != exitError {
		t.Errorf("missing dataset: exit %d; want %d", code, exitError)
	}
}

// copyDataset copies the files of dataset src into dst.
func copyDataset(tb testing.TB, src, dst string) {
	tb.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestPlanErrorsForPeople checks the text a person reads for bad input:
// the file, line and key, wrapped once per layer, without sentinel text at
// the end; the sentinels stay in the error chain for programs.
func TestPlanErrorsForPeople(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, rules string
		want        string // after "paidan: load dataset DIR: "
		sentinel    error
	}{
		{"wrong type", "max_distance_km: ten\n", `rules.yaml:1: max_distance_km: "ten" is not a number`, paidan.ErrSyntax},
		{"out of range", "\nresolution: 0\n", `rules.yaml:2: resolution: 0 is below 1e-09`, paidan.ErrOutOfRange},
		{"unknown key", "speed: 3\n", `rules.yaml:1: speed: not a rules key`, paidan.ErrUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyDataset(t, filepath.Join(datasetsDir, "tiny"), dir)
			if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(tc.rules), 0o640); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := runCLI(t, "plan", "--dataset", dir)
			if want := "paidan: load dataset " + dir + ": " + tc.want + "\n"; code != exitError || stderr != want {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
			}
			err := run(t.Context(), []string{"plan", "--dataset", dir}, io.Discard, io.Discard)
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tc.sentinel)
			}
		})
	}
}
