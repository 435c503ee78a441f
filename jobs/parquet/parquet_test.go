package parquet_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	jobsparquet "github.com/paidan/paidan/jobs/parquet"
	"github.com/paidan/paidan/model"
)

func TestHiveLayout(t *testing.T) {
	t.Parallel()
	b := datasets.Generate(datasets.GenOptions{Tasks: 50, Seed: 1})
	plan, _, err := model.Plan(t.Context(), b, paidan.DefaultRules(), model.Options{RunID: "north-20260105T090000Z-0a1b"})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	h := &jobsparquet.Hive{Root: root}
	dir, err := h.Export(t.Context(), plan)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "date="+plan.AsOf.UTC().Format(time.DateOnly), "run=north-20260105T090000Z-0a1b")
	if dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	for _, f := range []string{"assignments.parquet", "unassigned.parquet", "workers.parquet", "summary.parquet", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(root, "*", "*", "assignments.parquet"))
	if len(matches) != 1 {
		t.Errorf("glob */*/assignments.parquet found %d files, want 1", len(matches))
	}

	for _, bad := range []string{"../escape", "a/b", ".hidden", ""} {
		p := *plan
		p.RunID = bad
		if _, err := h.Export(t.Context(), &p); err == nil {
			t.Errorf("run id %q: exported, want refused", bad)
		}
	}
	if _, err := (&jobsparquet.Hive{}).Export(t.Context(), plan); err == nil {
		t.Error("export without a root: nil error")
	}
}
