package runsnap_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
)

// plan plans a generated city of n tasks as partition north.
func plan(tb testing.TB, n int) (*paidan.Batch, paidan.Rules, *paidan.Plan) {
	tb.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 3})
	b.Partition = "north"
	rules := paidan.DefaultRules()
	p, _, err := model.Plan(context.Background(), b, rules, model.Options{RunID: "north-run-1"})
	if err != nil {
		tb.Fatal(err)
	}
	return b, rules, p
}

// TestPackUnpackVerify: a run packed as the scheduler keeps it unpacks
// into a run directory that reads back to the same input and plan,
// verifies and replays bit for bit; packing twice gives the same bytes.
func TestPackUnpackVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, rules, p := plan(t, 500)
	data, err := runsnap.Pack(ctx, b, rules, p, "test", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	again, err := runsnap.Pack(ctx, b, rules, p, "test", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("two packs of one run differ (%d and %d bytes)", len(data), len(again))
	}
	run := runsnap.Run{RunID: p.RunID, Partition: "north", InputHash: p.InputHash, RulesHash: p.RulesHash, Status: "applied", Source: "database"}
	dir := filepath.Join(t.TempDir(), "run")
	if err := runsnap.Unpack(data, run, dir, 0); err != nil {
		t.Fatal(err)
	}
	s, err := runsnap.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Run != run || s.Batch.Partition != "north" || model.InputHash(s.Batch) != p.InputHash || s.Plan.ObjectiveUnits != p.ObjectiveUnits {
		t.Errorf("read back run %+v, partition %q, objective %d; want %+v, north, %d", s.Run, s.Batch.Partition, s.Plan.ObjectiveUnits, run, p.ObjectiveUnits)
	}
	c, err := runsnap.Verify(ctx, s, 0)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.Assigned != len(p.Assignments) {
		t.Errorf("verified %d assignments; want %d", c.Assigned, len(p.Assignments))
	}
	if _, _, diffs, err := runsnap.Replay(ctx, s, model.Options{}); err != nil || len(diffs) > 0 {
		t.Errorf("Replay: %v, differences %q", err, diffs)
	}
	if err := runsnap.Unpack(data, run, dir, 0); !errors.Is(err, os.ErrExist) {
		t.Errorf("Unpack into an existing directory: %v; want ErrExist", err)
	}
	if err := runsnap.Unpack(data[:len(data)/2], run, filepath.Join(t.TempDir(), "cut"), 0); !errors.Is(err, runsnap.ErrUnreadable) {
		t.Errorf("Unpack of a cut archive: %v; want ErrUnreadable", err)
	}
	claim := run
	claim.InputHash = "0"
	if err := runsnap.WriteRun(dir, claim, 0); err != nil {
		t.Fatal(err)
	}
	s, err = runsnap.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runsnap.Verify(ctx, s, 0); !errors.Is(err, model.ErrRefuted) {
		t.Errorf("Verify against another input hash: %v; want a refutation", err)
	}
}
