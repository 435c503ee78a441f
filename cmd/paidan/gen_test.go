package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
)

func TestGenDispatch(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "ds")
			stdout, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "200", "--workers", "12", "--seed", "9",
				"--out", dir, "--format", format, "--as-of", "2026-03-01T10:00:00+08:00")
			if code != exitOK {
				t.Fatalf("exit code %d, want %d; stderr %q", code, exitOK, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, "generated 200 tasks and 12 workers") {
				t.Errorf("stderr = %q, want progress", stderr)
			}
			ds, err := file.Load(context.Background(), dir, file.Options{})
			if err != nil {
				t.Fatal(err)
			}
			asOf, _ := time.Parse(time.RFC3339, "2026-03-01T02:00:00Z")
			want := datasets.Generate(datasets.GenOptions{Tasks: 200, Workers: 12, Seed: 9, AsOf: asOf})
			if !reflect.DeepEqual(ds.Batch, want) {
				t.Error("loaded dataset differs from Generate with the same options")
			}
		})
	}
}

func TestGenDispatchUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"no out", []string{"gen", "dispatch"}},
		{"bad format", []string{"gen", "dispatch", "--out", "x", "--format", "xlsx"}},
		{"negative tasks", []string{"gen", "dispatch", "--out", "x", "--tasks", "-1"}},
		{"bad as-of", []string{"gen", "dispatch", "--out", "x", "--as-of", "noon"}},
		{"bad flag", []string{"gen", "dispatch", "--colour"}},
		{"argument", []string{"gen", "dispatch", "--out", "x", "extra"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code %d (stderr %q), want %d", code, stderr, exitUsage)
			}
		})
	}
}

// TestGenDispatchRefusesNonEmptyDir is the regression for gen dispatch
// silently overwriting an existing dataset: a non-empty --out is refused
// and left as it was, unless --force.
func TestGenDispatchRefusesNonEmptyDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ds")
	if _, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "30", "--seed", "1", "--out", dir); code != exitOK {
		t.Fatalf("first gen: exit %d, %s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(dir, "tasks.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "40", "--seed", "2", "--out", dir)
	if code != exitUsage || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--force") {
		t.Errorf("gen into a dataset: exit %d, stderr %q; want a usage error suggesting --force", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "tasks.csv")); !bytes.Equal(after, before) {
		t.Error("the refused gen changed tasks.csv")
	}
	if _, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "40", "--seed", "2", "--out", dir, "--force"); code != exitOK {
		t.Fatalf("gen --force: exit %d, %s", code, stderr)
	}
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Batch.Tasks) != 40 {
		t.Errorf("after --force the dataset has %d tasks, want 40", len(ds.Batch.Tasks))
	}
}
