package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// writeFile writes content to a file in a fresh temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The hand-checked 3×3 problem: minimum 1+2+2 = 5 with rows → columns
// 1, 0, 2; maximum 4+5+2 = 11 with 0, 2, 1.
const lap3 = "3\n4 1 3\n2 0 5\n3 2 2\n"

func TestSolveLAPJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		extra    []string
		obj      int64
		csv      string
		maximize bool
	}{
		{"minimize", nil, 5, "row,col\n0,1\n1,0\n2,2\n", false},
		{"maximize", []string{"--maximize"}, 11, "row,col\n0,0\n1,2\n2,1\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := writeFile(t, "lap3.txt", lap3)
			csvPath := filepath.Join(t.TempDir(), "assign.csv")
			args := append([]string{"solve", "lap", in, "--json", "--out", csvPath}, tt.extra...)
			stdout, stderr, code := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr %s", code, stderr)
			}
			if strings.Count(stdout, "\n") != 1 {
				t.Errorf("stdout has %d lines, want one JSON object: %s", strings.Count(stdout, "\n"), stdout)
			}
			var rep struct {
				Status       string   `json:"status"`
				Objective    *int64   `json:"objective"`
				DualBound    *int64   `json:"dual_bound"`
				Certificate  string   `json:"certificate"`
				Algorithm    string   `json:"algorithm"`
				ParseSeconds *float64 `json:"parse_seconds"`
				SolveSeconds *float64 `json:"solve_seconds"`
			}
			dec := json.NewDecoder(strings.NewReader(stdout))
			if err := dec.Decode(&rep); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if rep.Status != "optimal" || rep.Certificate != "verified" || rep.Algorithm != "lapjv" {
				t.Errorf("status %q, certificate %q, algorithm %q; want optimal, verified, lapjv", rep.Status, rep.Certificate, rep.Algorithm)
			}
			if rep.Objective == nil || *rep.Objective != tt.obj || rep.DualBound == nil || *rep.DualBound != tt.obj {
				t.Errorf("objective %v, dual bound %v; want %d", rep.Objective, rep.DualBound, tt.obj)
			}
			if rep.ParseSeconds == nil || rep.SolveSeconds == nil {
				t.Errorf("parse_seconds or solve_seconds missing: %s", stdout)
			}
			for _, key := range []string{`"rows":3`, `"cols":3`} {
				if !strings.Contains(stdout, key) {
					t.Errorf("stdout lacks %s: %s", key, stdout)
				}
			}
			csv, err := os.ReadFile(csvPath)
			if err != nil {
				t.Fatal(err)
			}
			if string(csv) != tt.csv {
				t.Errorf("CSV = %q, want %q", csv, tt.csv)
			}
		})
	}
}

func TestSolveLAPSummary(t *testing.T) {
	t.Parallel()
	in := writeFile(t, "lap3.txt", lap3)
	stdout, stderr, code := runCLI(t, "solve", "lap", in)
	if code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr %s", code, stderr)
	}
	for _, want := range []string{"3×3, optimal", "objective    5", "dual bound   5 (certificate verified)", "algorithm    lapjv"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
}

func TestSolveLAPInfeasible(t *testing.T) {
	t.Parallel()
	in := writeFile(t, "hall.txt", "3\n1 9223372036854775807 9223372036854775807\n2 9223372036854775807 9223372036854775807\n3 4 5\n")
	stdout, stderr, code := runCLI(t, "solve", "lap", in, "--json")
	if code != exitNo {
		t.Fatalf("exit code %d, want %d; stderr %s", code, exitNo, stderr)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if rep["status"] != "infeasible" || rep["objective"] != nil || rep["certificate"] != "none" {
		t.Errorf("status %v, objective %v, certificate %v; want infeasible, null, none", rep["status"], rep["objective"], rep["certificate"])
	}
	if want := "hall.txt: solve lap: solver: infeasible: 2 rows (0, 1) allow only 1 column"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not say %q", stderr, want)
	}
}

func TestSolveLAPErrors(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.txt", "2\n1 2\n3 x\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		detail string
	}{
		{"parse error", []string{"solve", "lap", bad}, exitError, "bad.txt:3:3"},
		{"missing file", []string{"solve", "lap", filepath.Join(t.TempDir(), "none.txt")}, exitError, "no such file"},
		{"no file", []string{"solve", "lap"}, exitUsage, "takes one FILE"},
		{"two files", []string{"solve", "lap", bad, bad}, exitUsage, "got 2 arguments"},
		{"bad flag", []string{"solve", "lap", bad, "--fast"}, exitUsage, "unknown flag"},
		{"unknown problem", []string{"solve", "tsp"}, exitUsage, `unknown problem "tsp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.detail) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.detail)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
		})
	}
}

func TestSolveReportFailedCertificate(t *testing.T) {
	t.Parallel()
	obj := int64(42)
	rep := &solveReport{Problem: "lap", Input: "x.txt", Status: statusFailed, Objective: &obj,
		Certificate: certFailed, Algorithm: "lapjv", Rows: 2, Cols: 2,
		Message: "verify lap: solver: certificate violated: row 1, column 0",
		cause:   fmt.Errorf("%w: %w", paidan.ErrCertificate, solver.ErrNotOptimal)}
	if err := rep.outcome(); exitCode(err) != exitNo || !errors.Is(err, paidan.ErrCertificate) || !errors.Is(err, solver.ErrNotOptimal) {
		t.Errorf("outcome() = %v (exit %d); want exit %d wrapping ErrCertificate and ErrNotOptimal", err, exitCode(err), exitNo)
	}
	var human, js bytes.Buffer
	if err := rep.write(&human, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2×2, failed", "objective    42", "certificate  failed", "reason       verify lap: solver: certificate violated: row 1, column 0"} {
		if !strings.Contains(human.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, human.String())
		}
	}
	if err := rep.write(&js, true); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if got["status"] != "failed" || got["certificate"] != "failed" || got["dual_bound"] != nil || got["objective"] != float64(42) {
		t.Errorf("JSON = %v; want status and certificate failed, objective 42, dual_bound null", got)
	}
}
