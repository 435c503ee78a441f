package main

import (
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
		{"T07", []string{"due 2026-01-05 10:00 UTC", "assigned to W4"}},
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
