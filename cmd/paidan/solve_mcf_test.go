package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSolveMCFJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		code       int
		status     string
		objective  int64
		cert       string
		wantDetail string
	}{
		{"diamond.min", exitOK, "optimal", 10, "verified", ""},
		{"infeasible.min", exitNo, "infeasible", 0, "none", "node 0 cannot ship 2 units"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runCLI(t, "solve", "mcf", "--json", filepath.Join("testdata", "mcf", tt.file))
			if code != tt.code {
				t.Fatalf("exit code = %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			dec := json.NewDecoder(strings.NewReader(stdout))
			var rep map[string]any
			if err := dec.Decode(&rep); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if dec.More() {
				t.Errorf("stdout holds more than one JSON object:\n%s", stdout)
			}
			for _, key := range []string{"status", "objective", "parse_seconds", "solve_seconds", "certificate", "nodes", "arcs"} {
				if _, ok := rep[key]; !ok {
					t.Errorf("report lacks %q: %s", key, stdout)
				}
			}
			var wantObjective any // null unless solved
			if tt.status == "optimal" {
				wantObjective = float64(tt.objective)
			}
			if rep["status"] != tt.status || rep["objective"] != wantObjective || rep["certificate"] != tt.cert {
				t.Errorf("status, objective, certificate = %v, %v, %v; want %s, %d, %s",
					rep["status"], rep["objective"], rep["certificate"], tt.status, tt.objective, tt.cert)
			}
			if rep["nodes"] == float64(0) || (tt.status == "optimal" && rep["algorithm"] != "network-simplex") {
				t.Errorf("nodes, algorithm = %v, %v", rep["nodes"], rep["algorithm"])
			}
			if tt.wantDetail != "" && !strings.Contains(stderr, tt.wantDetail) {
				t.Errorf("stderr = %q, want it to mention %q", stderr, tt.wantDetail)
			}
		})
	}
}

func TestSolveMCFSummaryAndCSV(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "flow.csv")
	stdout, stderr, code := runCLI(t, "solve", "mcf", "--out", out, filepath.Join("testdata", "mcf", "diamond.min"))
	if code != exitOK {
		t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr)
	}
	for _, want := range []string{"4 nodes, 4 arcs, optimal", "objective    10", "dual bound   10 (certificate verified)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "arc,tail,head,flow\n1,1,2,3\n2,2,4,3\n3,1,3,1\n4,3,4,1\n"
	if string(got) != want {
		t.Errorf("flow CSV =\n%s\nwant\n%s", got, want)
	}
}

func TestSolveMCFErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		detail string
	}{
		{"no file", []string{"solve", "mcf"}, exitUsage, "one FILE"},
		{"missing file", []string{"solve", "mcf", "testdata/mcf/none.min"}, exitError, "no such file"},
		{"bad input", []string{"solve", "mcf", "testdata/mcf/bad.min"}, exitError, "testdata/mcf/bad.min:2:9"},
		{"bad flag", []string{"solve", "mcf", "--fast", "testdata/mcf/diamond.min"}, exitUsage, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr, tt.detail) {
				t.Errorf("stderr = %q, want it to mention %q", stderr, tt.detail)
			}
		})
	}
}

// TestSolveMCFDispatchShape checks that a dispatch-shaped network goes to
// the dispatch solver by default and that all three solvers agree on it.
func TestSolveMCFDispatchShape(t *testing.T) {
	t.Parallel()
	file := filepath.Join("testdata", "mcf", "dispatch.min") // gendispatch -tasks 12 -workers 3 -cap 3 -k 2 -seed 7
	objective := map[string]float64{}
	for _, alg := range []string{"auto", "network-simplex", "cost-scaling"} {
		stdout, stderr, code := runCLI(t, "solve", "mcf", "--json", "--algorithm", alg, file)
		if code != exitOK {
			t.Fatalf("--algorithm %s: exit code %d; stderr: %s", alg, code, stderr)
		}
		var rep struct {
			Status, Certificate, Algorithm string
			Objective                      float64
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("--algorithm %s: %v\n%s", alg, err, stdout)
		}
		if rep.Status != "optimal" || rep.Certificate != "verified" {
			t.Errorf("--algorithm %s: status %s, certificate %s", alg, rep.Status, rep.Certificate)
		}
		if alg == "auto" && !strings.Contains(rep.Algorithm, "dispatch") {
			t.Errorf("auto chose %q for a dispatch-shaped network", rep.Algorithm)
		}
		if alg == "cost-scaling" && rep.Algorithm != alg {
			t.Errorf("--algorithm cost-scaling ran %q", rep.Algorithm)
		}
		objective[alg] = rep.Objective
	}
	if objective["auto"] != objective["network-simplex"] || objective["cost-scaling"] != objective["network-simplex"] {
		t.Errorf("objectives differ: dispatch %v, network simplex %v, cost scaling %v",
			objective["auto"], objective["network-simplex"], objective["cost-scaling"])
	}
}
