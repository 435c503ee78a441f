package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

func TestRun(t *testing.T) {
	t.Parallel()
	d := dispatchgen.Generate(dispatchgen.Config{Tasks: 300, Workers: 20, Capacity: 18, K: 5, Seed: 4})
	var file bytes.Buffer
	if err := dispatchgen.WriteDIMACS(&file, d.Network()); err != nil {
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

func TestReadDIMACSRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, detail string }{
		{"no problem line", "c nothing\n", "no problem line"},
		{"arc before p", "a 1 2 0 1 1\np min 2 1\n", "line 1"},
		{"not min", "p max 2 1\n", "want min"},
		{"huge header", "p min 99999999999 1\n", "at most"},
		{"node outside", "p min 2 0\nn 3 1\n", "node 3 outside 1..2"},
		{"arc outside", "p min 2 1\na 1 4294967297 0 1 1\n", "outside nodes 1..2"},
		{"missing field", "p min 2 1\na 1 2 0 1\n", "line 2"},
		{"trailing", "p min 2 1\na 1 2 0 1 1 7\n", "trailing"},
		{"not a number", "p min 2 1\nn 1 x\n", "line 2"},
		{"unbalanced", "p min 2 1\nn 1 1\na 1 2 0 1 1\n", "sum to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readDIMACS(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("readDIMACS error = %v, want one mentioning %q", err, tt.detail)
			}
		})
	}
}

// FuzzReadDIMACS checks that the reader never panics and that whatever it
// accepts is a valid network that survives a write and a second read.
func FuzzReadDIMACS(f *testing.F) {
	var gen bytes.Buffer
	d := dispatchgen.Generate(dispatchgen.Config{Tasks: 4, Workers: 2, Capacity: 3, K: 2, Seed: 1})
	if err := dispatchgen.WriteDIMACS(&gen, d.Network()); err != nil {
		f.Fatal(err)
	}
	f.Add(gen.String())
	f.Add("p min 2 1\nn 1 1\nn 2 -1\na 1 2 0 1 5\n")
	f.Add("c x\n\np min 0 0\n")
	f.Add("p min 2 1\na 1 -2 0 1 1\n")
	f.Fuzz(func(t *testing.T, in string) {
		n, err := readDIMACS(strings.NewReader(in))
		if err != nil {
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("accepted an invalid network: %v", err)
		}
		var out bytes.Buffer
		if err := dispatchgen.WriteDIMACS(&out, n); err != nil {
			t.Fatal(err)
		}
		again, err := readDIMACS(&out)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if again.Lower == nil && n.Lower != nil && !allZero(n.Lower) {
			t.Fatalf("lower bounds lost")
		}
		again.Lower, n.Lower = nil, nil
		if !reflect.DeepEqual(again, n) {
			t.Fatalf("round trip differs:\n%+v\n%+v", n, again)
		}
	})
}

func allZero(xs []int64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}
