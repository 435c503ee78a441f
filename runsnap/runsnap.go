// Package runsnap keeps what a run planned and decided so that anyone can
// re-check it later, offline, from files alone: the run directory.
//
// A run directory (RUNDIR) is the plan's Parquet export (package
// export/parquet: assignments, left-out tasks, worker usage, summary, the
// dual potentials, and manifest.json with every file's SHA-256) plus the
// input it was planned from in input/ (tasks.parquet and workers.parquet,
// zstd-compressed, every field of every task and worker exactly as loaded,
// and rules.yaml as ingest/file writes rules), plus run.json, what the run
// record says of the run (its id, partition, input and rules hashes).
//
//	RUNDIR/
//	  run.json            the run record's claim (Run)
//	  input/              the loaded batch and the rules (input.go)
//	  manifest.json       the plan export's manifest, written last
//	  assignments.parquet unassigned.parquet workers.parquet
//	  summary.parquet potentials.parquet
//
// "paidan plan --out" writes one; the scheduler keeps the same files as
// one archive per run in the database (Pack, and runsnap/postgres), which
// "paidan export --run ID" unpacks (Unpack). Verify re-checks a run
// directory's certificate with model.Certify; Replay plans its input again
// and compares.
package runsnap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/internal/atomicdir"
	"github.com/paidan/paidan/model"
)

// Names inside a run directory.
const (
	InputDir = "input"    // the input dataset
	RunFile  = "run.json" // the run record's claim
)

// ErrUnreadable is wrapped by Read's errors when a run directory exists
// but its files cannot be trusted or decoded: a file that differs from
// its manifest, a missing file, an undecodable table or run.json. For
// verification that is a refutation, not a usage error.
var ErrUnreadable = errors.New("runsnap: run directory unreadable")

// Run is what the run record says of a run: the claim a run directory is
// checked against. Source says who wrote it.
type Run struct {
	RunID     string `json:"run_id"`
	Partition string `json:"partition"`
	// InputHash and RulesHash are the run record's (paidan.run in the
	// database, which the run ledger covers; the plan's own for plan
	// --out).
	InputHash string `json:"input_hash"`
	RulesHash string `json:"rules_hash"`
	// Status is the run's status in the database ("applied"), or
	// "planned" for plan --out.
	Status string `json:"status"`
	// Source is "plan --out" or "database".
	Source string `json:"source"`
}

// RunOf returns the claim plan --out makes for its own plan.
func RunOf(p *paidan.Plan) Run {
	return Run{RunID: p.RunID, Partition: p.Partition, InputHash: p.InputHash, RulesHash: p.RulesHash,
		Status: "planned", Source: "plan --out"}
}

// Snapshot is a run directory read back.
type Snapshot struct {
	Dir      string
	Run      Run
	Batch    *paidan.Batch
	Rules    paidan.Rules
	Plan     *paidan.Plan
	Manifest *parquet.Manifest
}

// WriteInput writes the input of a run (the batch and rules, in
// dir/input) and run.json into dir,
// creating it. The plan's export (export/parquet.Write) goes into dir
// after it: its manifest, written last, marks the directory complete.
func WriteInput(ctx context.Context, dir string, b *paidan.Batch, rules paidan.Rules, run Run, perm fs.FileMode) error {
	if err := writeInput(ctx, filepath.Join(dir, InputDir), b, rules, perm); err != nil {
		return fmt.Errorf("write input of run %s: %w", run.RunID, err)
	}
	return WriteRun(dir, run, perm)
}

// WriteRun writes run.json into dir atomically.
func WriteRun(dir string, run Run, perm fs.FileMode) error {
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	return atomicdir.WriteFile(dir, RunFile, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, atomicdir.Options{FileMode: perm})
}

// Read reads the run directory dir: the plan (checked against its
// manifest's sizes and SHA-256 sums), the input it names, with the
// partition and planning instant of the manifest, and run.json (Run is
// left zero when there is none). It checks
// nothing else: Verify does. A dir that does not exist returns an error
// wrapping fs.ErrNotExist; a dir whose files cannot be trusted or read, one
// wrapping ErrUnreadable.
func Read(ctx context.Context, dir string) (*Snapshot, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	p, m, err := parquet.ReadPlan(ctx, dir)
	if err != nil {
		return nil, unreadable(err)
	}
	b, rules, err := readInput(filepath.Join(dir, InputDir), m.Partition, p.AsOf)
	if err != nil {
		return nil, unreadable(fmt.Errorf("run directory %s: input: %w", dir, err))
	}
	s := &Snapshot{Dir: dir, Batch: b, Rules: rules, Plan: p, Manifest: m}
	data, err := os.ReadFile(filepath.Join(dir, RunFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil // written before run.json existed; Verify refuses it
	}
	if err != nil {
		return nil, unreadable(fmt.Errorf("run directory %s: %w", dir, err))
	}
	if err := json.Unmarshal(data, &s.Run); err != nil {
		return nil, unreadable(fmt.Errorf("run directory %s: %s: %w", dir, RunFile, err))
	}
	return s, nil
}

// unreadable marks err as ErrUnreadable unless it is a context error.
func unreadable(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnreadable, err)
}

// Verify re-checks the snapshot's certificate offline: the run record's
// claim (run.json) names the run, input and rules the plan's manifest
// names, and model.Certify proves the plan optimal for the input. A
// failed check is a *model.Refutation (errors.Is model.ErrRefuted).
func Verify(ctx context.Context, s *Snapshot, parallel int) (*model.Certified, error) {
	refute := func(format string, args ...any) error {
		return &model.Refutation{Check: model.CheckHashes, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case s.Run.RunID == "":
		return nil, refute("no %s: nothing says which run the directory holds", RunFile)
	case s.Run.RunID != s.Plan.RunID:
		return nil, refute("%s names run %s, the plan is run %s", RunFile, s.Run.RunID, s.Plan.RunID)
	case s.Run.InputHash != s.Plan.InputHash:
		return nil, refute("the run record's input hash is %s, the plan's manifest names %s", s.Run.InputHash, s.Plan.InputHash)
	case s.Run.RulesHash != s.Plan.RulesHash:
		return nil, refute("the run record's rules hash is %s, the plan's manifest names %s", s.Run.RulesHash, s.Plan.RulesHash)
	}
	return model.Certify(ctx, s.Batch, s.Rules, s.Plan, parallel)
}
