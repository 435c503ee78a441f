package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite datasets/*/expected.json from new results")

// TestRegressDatasets re-solves every checked-in dataset against its
// expected.json; with -update it rewrites them instead.
func TestRegressDatasets(t *testing.T) {
	args := []string{"regress", "--root", datasetsDir}
	if *update {
		args = append(args, "--update")
	}
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	dirs, err := regressionDirs(datasetsDir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 4 {
		t.Fatalf("%d datasets with expected.json; want at least 4", len(dirs))
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		if !strings.Contains(stdout, dir) {
			t.Errorf("no row for %s:\n%s", dir, stdout)
		}
		for reason, n := range readExpectedTB(t, dir).Unassigned {
			if n > 0 {
				seen[reason] = true
			}
		}
	}
	for _, r := range []string{"no_skill", "no_region", "out_of_range", "outside_shift", "no_capacity", "cheaper_unassigned", "pinned_infeasible"} {
		if !seen[r] {
			t.Errorf("no dataset expects reason %s", r)
		}
	}
}

func TestRegressDifference(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyDataset(t, filepath.Join(datasetsDir, "tiny"), dir)
	e := readExpectedTB(t, dir)
	e.ObjectiveUnits--
	e.Unassigned["no_skill"] = 0
	if err := writeExpected(filepath.Join(dir, expectedFile), e); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCmd(t, "regress", dir)
	if code != exitNo {
		t.Fatalf("exit %d; want %d:\n%s", code, exitNo, stdout)
	}
	for _, s := range []string{"DIFF", "(worse)", "unassigned no_skill 1, expected 0"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}

	// --update rewrites the file; then the dataset passes.
	if code, stdout, _ = runCmd(t, "regress", "--update", dir); code != exitOK || !strings.Contains(stdout, "updated") {
		t.Fatalf("--update: exit %d:\n%s", code, stdout)
	}
	if code, stdout, _ = runCmd(t, "regress", dir); code != exitOK {
		t.Fatalf("after update: exit %d:\n%s", code, stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, expectedFile))
	if err != nil {
		t.Fatal(err)
	}
	var got expected
	if err := json.Unmarshal(data, &got); err != nil || got.ObjectiveUnits != e.ObjectiveUnits+1 {
		t.Errorf("rewritten expected.json %s (%v); want objective_units %d", data, err, e.ObjectiveUnits+1)
	}
}

func TestRegressNoDatasets(t *testing.T) {
	t.Parallel()
	if code, _, _ := runCmd(t, "regress", "--root", t.TempDir()); code != exitError {
		t.Errorf("exit %d; want %d", code, exitError)
	}
}

// FuzzReadExpected feeds arbitrary bytes to the expected.json reader: it
// must return a value or an error, never panic, and whatever it accepts
// must survive a write and read back unchanged.
func FuzzReadExpected(f *testing.F) {
	f.Add([]byte(`{"objective_units": 1550373, "objective": 1550.373, "tasks": 10, "assigned": 9,
		"unassigned": {"no_skill": 1}, "certificate": "verified"}`))
	f.Add([]byte(`{"objective_units": -1}`))
	f.Add([]byte(`{"bogus": 1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, expectedFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := readExpected(path)
		if err != nil {
			return
		}
		if err := writeExpected(path, e); err != nil {
			t.Fatal(err)
		}
		back, err := readExpected(path)
		if err != nil {
			t.Fatalf("reading back %+v: %v", e, err)
		}
		if len(e.Unassigned) == 0 {
			e.Unassigned = nil
		}
		if len(back.Unassigned) == 0 {
			back.Unassigned = nil
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("read back %+v; want %+v", back, e)
		}
	})
}
