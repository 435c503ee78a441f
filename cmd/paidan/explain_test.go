package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainCommand(t *testing.T) {
	t.Parallel()
	tiny := filepath.Join(datasetsDir, "tiny")
	tests := []struct {
		task string
		want []string
	}{
		{"T08", []string{"task T08: region centre, skills welding", "unassigned (no_skill): no worker with skill welding", "lacks welding"}},
		{"T04", []string{"assigned to W4 at cost", "W4 *", "the only eligible worker", "serves centre, not north", "lacks hvac"}},
		{"T07", []string{"as of 2026-01-05 09:00:00 UTC", "due 2026-01-05 10:00 UTC", "assigned to W4"}},
		// The dual view: W2, full, would raise the total by at least 3.4.
		{"T02", []string{"assigned to W1", "reduced: cost on the worker", "full in this plan                             3.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runCLI(t, "explain", "--dataset", tiny, "--task", tt.task, "--workers", "0")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, s := range tt.want {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			// One header and a row per worker of the dataset.
			if rows := strings.Count(stdout, "\nW"); rows != 4 {
				t.Errorf("%d worker rows; want 4:\n%s", rows, stdout)
			}
		})
	}
	t.Run("limit", func(t *testing.T) {
		t.Parallel()
		stdout, _, _ := runCLI(t, "explain", "--dataset", tiny, "--task", "T04", "--workers", "2")
		if rows := strings.Count(stdout, "\nW"); rows != 2 || !strings.Contains(stdout, "(2 more workers") {
			t.Errorf("%d worker rows; want 2 and a note:\n%s", rows, stdout)
		}
	})
}

// TestExplainSavedPlan checks that explaining from a saved plan (plan
// --out, then explain --plan) prints exactly what explaining by planning
// again prints, for every task of tiny, and that a saved plan whose input
// was altered is refused.
func TestExplainSavedPlan(t *testing.T) {
	t.Parallel()
	tiny := filepath.Join(datasetsDir, "tiny")
	root := t.TempDir()
	_, stderr, code := runCLI(t, "plan", "--dataset", tiny, "--out", root)
	if code != exitOK {
		t.Fatalf("plan --out: exit %d: %s", code, stderr)
	}
	runs, err := filepath.Glob(filepath.Join(root, "date=2026-01-05", "run=plan-*"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("run directories %v, %v; want one under date=2026-01-05", runs, err)
	}
	dir := runs[0]
	if !strings.Contains(stderr, "plan written to "+dir) {
		t.Errorf("stderr does not name the run directory %s: %s", dir, stderr)
	}
	for _, id := range []string{"T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09", "T10"} {
		want, _, code := runCLI(t, "explain", "--dataset", tiny, "--task", id, "--workers", "0")
		if code != exitOK {
			t.Fatalf("explain --dataset --task %s: exit %d", id, code)
		}
		got, stderr, code := runCLI(t, "explain", "--plan", dir, "--task", id, "--workers", "0")
		if code != exitOK {
			t.Fatalf("explain --plan --task %s: exit %d: %s", id, code, stderr)
		}
		if got != want {
			t.Errorf("task %s: from the saved plan\n%s\nby planning again\n%s", id, got, want)
		}
	}
	if _, stderr, code := runCLI(t, "explain", "--plan", dir, "--dataset", tiny, "--task", "T01"); code != exitUsage {
		t.Errorf("--plan with --dataset: exit %d (%s); want usage", code, stderr)
	}
	if _, stderr, code := runCLI(t, "explain", "--plan", dir, "--task", "T99"); code != exitUsage || !strings.Contains(stderr, "no such task") {
		t.Errorf("unknown task: exit %d (%s); want usage naming it", code, stderr)
	}
	// Another input under the same plan: the hashes no longer match.
	if err := os.Remove(filepath.Join(dir, "input", "rules.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "input", "rules.yaml"), []byte("stability_penalty: 6\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "explain", "--plan", dir, "--task", "T01"); code != exitError || !strings.Contains(stderr, "the plan was made under") {
		t.Errorf("altered rules: exit %d (%s); want an error naming the rules hash", code, stderr)
	}
}
