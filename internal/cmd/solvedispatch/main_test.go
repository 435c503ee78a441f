package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

func TestRun(t *testing.T) {
	t.Parallel()
	d := dispatchgen.Generate(dispatchgen.Config{Tasks: 300, Workers: 20, Capacity: 18, K: 5, Seed: 4})
	var file bytes.Buffer
	if err := dimacs.Write(&file, d.Network()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.min")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := solver.SolveDispatch(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	if err := run(context.Background(), []string{"-cpuprofile", prof, path}, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("CPU profile: %v, want a non-empty file", err)
	}
	obj := strconv.FormatInt(want.Objective, 10)
	for _, field := range []string{" objective=" + obj + " ", " dual_bound=" + obj + " "} {
		if !strings.Contains(out.String(), field) {
			t.Errorf("output %q lacks %q", out.String(), field)
		}
	}
}
