package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/internal/pgtest"
)

// planRunDir plans a dataset with plan --out into a fresh root and
// returns the run directory.
func planRunDir(tb testing.TB, dataset string) string {
	tb.Helper()
	root := tb.TempDir()
	if _, stderr, code := runCLI(tb, "plan", "--dataset", dataset, "--out", root); code != exitOK {
		tb.Fatalf("plan --out: exit %d: %s", code, stderr)
	}
	runs, err := filepath.Glob(filepath.Join(root, "date=*", "run=*"))
	if err != nil || len(runs) != 1 {
		tb.Fatalf("run directories %v, %v; want one", runs, err)
	}
	return runs[0]
}

// copyRunDir copies a run directory (files and input/) to a new one.
func copyRunDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), "run")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// forge rewrites the plan of run directory dir after edit, as a careful
// forger would: every Parquet file and the manifest anew, so that the
// files match their manifest and only the mathematics can tell.
func forge(tb testing.TB, dir string, edit func(p *paidan.Plan)) {
	tb.Helper()
	p, m, err := parquet.ReadPlan(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	edit(p)
	if _, err := parquet.Write(context.Background(), dir, p, parquet.Options{Version: m.PaidanVersion}); err != nil {
		tb.Fatal(err)
	}
}

// TestVerifyCommand: a saved plan verifies (exit 0) and replays bit for
// bit; every tampered copy is refuted with exit 3 and a message naming
// what fails.
func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	dir := planRunDir(t, filepath.Join(datasetsDir, "generated-500"))
	stdout, stderr, code := runCLI(t, "verify", dir)
	if code != exitOK || !strings.Contains(stdout, "verified: run plan-") || !strings.Contains(stdout, "none negative") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "stages: read") {
		t.Errorf("verify stderr has no stage times: %s", stderr)
	}
	stdout, stderr, code = runCLI(t, "replay", dir)
	if code != exitOK || !strings.Contains(stdout, "bit for bit") {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}

	p, _, err := parquet.ReadPlan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	first := slices.IndexFunc(p.Assignments, func(a paidan.Assignment) bool { return !a.Pinned })
	a0 := p.Assignments[first]
	// Another worker of the run that is not a0's.
	other := slices.IndexFunc(p.Workers, func(w paidan.WorkerUsage) bool { return w.Worker != a0.Worker })
	otherWorker := p.Workers[other].Worker

	cases := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   []string // every one in stderr
	}{
		{"changed cost, manifest rewritten", func(t *testing.T, dir string) {
			forge(t, dir, func(p *paidan.Plan) { p.Assignments[first].Cost.TravelUnits += 7 })
		}, []string{"refuted: costs", string(a0.Task), "stored travel cost"}},
		{"changed cost, manifest left", func(t *testing.T, dir string) {
			alt := copyRunDir(t, dir)
			forge(t, alt, func(p *paidan.Plan) { p.Assignments[first].Cost.TravelUnits += 7 })
			data, err := os.ReadFile(filepath.Join(alt, parquet.AssignmentsFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, parquet.AssignmentsFile), data, 0o640); err != nil {
				t.Fatal(err)
			}
		}, []string{"refuted: files", parquet.AssignmentsFile, "manifest"}},
		{"moved assignment", func(t *testing.T, dir string) {
			forge(t, dir, func(p *paidan.Plan) { p.Assignments[first].Worker = otherWorker })
		}, []string{"refuted", string(a0.Task), string(otherWorker)}},
		{"altered potential", func(t *testing.T, dir string) {
			forge(t, dir, func(p *paidan.Plan) { p.Potentials[len(p.Potentials)-1] += 1_000_000_000 })
		}, []string{"refuted", "reduced cost"}},
		{"altered input", func(t *testing.T, dir string) {
			rules := filepath.Join(dir, "input", "rules.yaml")
			if err := os.WriteFile(rules, []byte("stability_penalty: 6\n"), 0o640); err != nil {
				t.Fatal(err)
			}
		}, []string{"refuted: input and rules hashes", "rules hash"}},
		{"run record names another input", func(t *testing.T, dir string) {
			run := filepath.Join(dir, "run.json")
			data, err := os.ReadFile(run)
			if err != nil {
				t.Fatal(err)
			}
			data = []byte(strings.Replace(string(data), p.InputHash, strings.Repeat("0", 64), 1))
			if err := os.WriteFile(run, data, 0o640); err != nil {
				t.Fatal(err)
			}
		}, []string{"refuted: input and rules hashes", "run record's input hash"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := copyRunDir(t, dir)
			c.tamper(t, d)
			stdout, stderr, code := runCLI(t, "verify", d)
			if code != exitNo {
				t.Fatalf("verify of a tampered run: exit %d; want %d\n%s%s", code, exitNo, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not name %q", stderr, w)
				}
			}
		})
	}

	t.Run("replay refutes a forged plan", func(t *testing.T) {
		t.Parallel()
		d := copyRunDir(t, dir)
		forge(t, d, func(p *paidan.Plan) { p.Potentials[0]++ })
		_, stderr, code := runCLI(t, "replay", d)
		if code != exitNo || !strings.Contains(stderr, "potential of node 0") {
			t.Errorf("replay of a forged plan: exit %d; want %d naming potential 0\n%s", code, exitNo, stderr)
		}
	})
	t.Run("usage", func(t *testing.T) {
		t.Parallel()
		if _, _, code := runCLI(t, "verify"); code != exitUsage {
			t.Errorf("verify without RUNDIR: exit %d; want %d", code, exitUsage)
		}
		if _, _, code := runCLI(t, "verify", filepath.Join(t.TempDir(), "missing")); code != exitUsage {
			t.Errorf("verify of a missing directory: exit %d; want %d", code, exitUsage)
		}
	})
}

// TestExportRunVerify: a scheduled run keeps its input (default
// --keep-inputs), "paidan export --run ID" writes it as a run directory,
// which "paidan verify" verifies against the run record and "paidan
// replay" replays bit for bit; a run without a kept input is a usage
// error naming it.
func TestExportRunVerify(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 300)
	out, stderr, code := runCLI(t, "run", "--once", "--db", dsn)
	if code != exitOK {
		t.Fatalf("run --once: exit %d\n%s", code, stderr)
	}
	m := regexp.MustCompile(`^city\t(\S+)\tapplied\t`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run --once stdout %q, want an applied run of city", out)
	}
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "export", "--db", dsn, "--run", m[1], "--out", dir)
	if code != exitOK || !strings.Contains(stdout, "paidan verify "+dir) {
		t.Fatalf("export --run: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = runCLI(t, "verify", dir)
	if code != exitOK || !strings.Contains(stdout, "verified: run "+m[1]) || !strings.Contains(stdout, "from database") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	if stdout, stderr, code = runCLI(t, "replay", dir); code != exitOK {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := runCLI(t, "export", "--db", dsn, "--run", "no-such-run", "--out", filepath.Join(t.TempDir(), "x")); code != exitUsage || !strings.Contains(stderr, "no-such-run") {
		t.Errorf("export --run of an unknown run: exit %d %s; want usage naming it", code, stderr)
	}
}
