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
