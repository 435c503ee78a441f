package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanDumpNetworks plans a generated batch with --dump-networks and
// checks that every round's network is written, that --json reports one
// solve time per round, and that `solve mcf` on the final network finds
// the plan's objective.
func TestPlanDumpNetworks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, nets := filepath.Join(dir, "data"), filepath.Join(dir, "nets")
	if _, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "3000", "--workers", "150", "--out", data); code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, "plan", "--dataset", data, "--json", "--dump-networks", nets)
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	var got planJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Rounds < 2 {
		t.Fatalf("rounds %d: the batch was meant to need pricing", got.Rounds)
	}
	if len(got.RoundSeconds) != got.Rounds {
		t.Fatalf("round_seconds %v for %d rounds", got.RoundSeconds, got.Rounds)
	}
	var sum float64
	for _, s := range got.RoundSeconds {
		sum += s
	}
	if d := sum - got.StageSeconds["solve"]; d > 1e-6 || d < -1e-6 {
		t.Errorf("round_seconds sum to %g, solve stage %g", sum, got.StageSeconds["solve"])
	}
	entries, err := os.ReadDir(nets)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != got.Rounds {
		t.Fatalf("%d files in %s for %d rounds", len(entries), nets, got.Rounds)
	}
	final := filepath.Join(nets, fmt.Sprintf("round-%d.min", got.Rounds))
	out, stderr, code := runCLI(t, "solve", "mcf", "--json", final)
	if code != exitOK {
		t.Fatalf("solve mcf %s: exit %d: %s", final, code, stderr)
	}
	want := fmt.Sprintf(`"objective":%d,`, got.ObjectiveUnits)
	if !strings.Contains(out, want) || !strings.Contains(out, `"certificate":"verified"`) {
		t.Errorf("solve mcf on the final network: %s; want %s verified", out, want)
	}
}

// TestPlanSampleMinTasks plans a generated batch seeded from a sample
// (--sample-min-tasks below its size) and not seeded (-1): the same
// optimum; --json reports the sample and the seeded arcs; the solve stage
// counts the sample's solves besides the batch's rounds; --progress
// names the sample's rounds; only the batch's rounds are dumped.
func TestPlanSampleMinTasks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, nets := filepath.Join(dir, "data"), filepath.Join(dir, "nets")
	if _, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", "3000", "--workers", "150", "--out", data); code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	plan := func(args ...string) (planJSON, string) {
		t.Helper()
		stdout, stderr, code := runCLI(t, append([]string{"plan", "--dataset", data, "--json", "--progress"}, args...)...)
		if code != exitOK {
			t.Fatalf("plan %v: exit %d: %s", args, code, stderr)
		}
		var got planJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		return got, stderr
	}
	plain, plainErr := plan("--sample-min-tasks", "-1")
	seeded, seededErr := plan("--sample-min-tasks", "1000", "--dump-networks", nets)
	if seeded.ObjectiveUnits != plain.ObjectiveUnits || seeded.Certificate != "verified" {
		t.Fatalf("seeded objective %d (%s); without the sample %d", seeded.ObjectiveUnits, seeded.Certificate, plain.ObjectiveUnits)
	}
	if seeded.SampleTasks != 750 || seeded.SeededArcs == 0 || plain.SampleTasks != 0 || plain.SeededArcs != 0 {
		t.Errorf("sample_tasks %d, seeded_arcs %d (without: %d, %d); want 750 and some, 0 and 0",
			seeded.SampleTasks, seeded.SeededArcs, plain.SampleTasks, plain.SeededArcs)
	}
	var sum float64
	for _, s := range seeded.RoundSeconds {
		sum += s
	}
	if len(seeded.RoundSeconds) != seeded.Rounds || sum >= seeded.StageSeconds["solve"] {
		t.Errorf("round_seconds %v (sum %g) for %d rounds, solve stage %g; want one per round, their sum below the stage",
			seeded.RoundSeconds, sum, seeded.Rounds, seeded.StageSeconds["solve"])
	}
	if !strings.Contains(seededErr, "sample…") || !strings.Contains(seededErr, "sample 1 (750 tasks) round 1:") || strings.Contains(plainErr, "sample") {
		t.Errorf("progress with the sample:\n%s\nwithout:\n%s\nwant the sample's stage and rounds in the first only", seededErr, plainErr)
	}
	if entries, err := os.ReadDir(nets); err != nil || len(entries) != seeded.Rounds {
		t.Errorf("%d dumped networks (%v) for %d rounds", len(entries), err, seeded.Rounds)
	}
}
