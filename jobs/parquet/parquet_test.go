package parquet_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	exportparquet "github.com/paidan/paidan/export/parquet"
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

// planAt plans a small batch with run id id.
func planAt(t *testing.T, id string) *paidan.Plan {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 1})
	plan, _, err := model.Plan(t.Context(), b, paidan.DefaultRules(), model.Options{RunID: id})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestHivePermissions is the regression for exports written world-readable
// (0644 files, 0755 directories): by default nothing is readable by others,
// whatever the umask, and the modes are configurable.
func TestHivePermissions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		h             jobsparquet.Hive
		file, dirMode os.FileMode
	}{
		{"default", jobsparquet.Hive{}, 0o640, 0o750},
		{"configured", jobsparquet.Hive{FileMode: 0o600, DirMode: 0o700}, 0o600, 0o700},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.h
			h.Root = filepath.Join(t.TempDir(), "exports")
			dir, err := h.Export(t.Context(), planAt(t, "north-1"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{h.Root, filepath.Dir(dir), dir} {
				if st, err := os.Stat(d); err != nil || st.Mode().Perm() != tt.dirMode {
					t.Errorf("%s: mode %v (err %v), want %v", d, st.Mode().Perm(), err, tt.dirMode)
				}
			}
			files, _ := os.ReadDir(dir)
			var names []string
			for _, f := range files {
				names = append(names, f.Name())
			}
			want := []string{exportparquet.AssignmentsFile, exportparquet.ManifestFile, exportparquet.PotentialsFile,
				exportparquet.SummaryFile, exportparquet.UnassignedFile, exportparquet.WorkersFile}
			if !slices.Equal(names, want) {
				t.Errorf("files %v, want %v", names, want)
			}
			for _, f := range files {
				st, err := os.Stat(filepath.Join(dir, f.Name()))
				if err != nil || st.Mode().Perm() != tt.file {
					t.Errorf("%s: mode %v (err %v), want %v", f.Name(), st.Mode().Perm(), err, tt.file)
				}
			}
		})
	}
}

// TestHiveRetention is the regression for exports never cleaned up: Keep
// keeps the newest runs, MaxAge drops old ones, emptied date= directories
// go, and nothing but run directories is touched.
func TestHiveRetention(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	stranger := filepath.Join(root, "notes.txt")
	if err := os.WriteFile(stranger, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &jobsparquet.Hive{Root: root, Keep: 3}
	var dirs []string
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range 6 {
		p := planAt(t, fmt.Sprintf("north-%d", i))
		p.AsOf = base.AddDate(0, 0, i/2) // two runs a day
		dir, err := h.Export(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		// Exports a second apart, as a scheduler's would be.
		at := base.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(filepath.Join(dir, "manifest.json"), at, at); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	runs, _ := filepath.Glob(filepath.Join(root, "date=*", "run=*"))
	if len(runs) != 3 {
		t.Fatalf("%d runs kept, want 3: %v", len(runs), runs)
	}
	for i, d := range dirs {
		_, err := os.Stat(d)
		if kept := err == nil; kept != (i >= 3) {
			t.Errorf("run %d kept %v, want %v", i, kept, i >= 3)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "date=2026-01-05")); !os.IsNotExist(err) {
		t.Errorf("the emptied date directory is still there (err %v)", err)
	}
	if _, err := os.Stat(stranger); err != nil {
		t.Errorf("retention touched a file that is not a run: %v", err)
	}

	// By age: every run older than an hour at the next export goes.
	h.Keep, h.MaxAge = 0, time.Hour
	h.Now = func() time.Time { return base.Add(90 * time.Minute) }
	last, err := h.Export(t.Context(), planAt(t, "north-new"))
	if err != nil {
		t.Fatal(err)
	}
	runs, _ = filepath.Glob(filepath.Join(root, "date=*", "run=*"))
	if len(runs) != 1 || runs[0] != last {
		t.Errorf("runs after MaxAge: %v, want only %s", runs, last)
	}
}
