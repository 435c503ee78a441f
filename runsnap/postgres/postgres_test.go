package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seedNorth inserts a generated city of n tasks as partition north, its
// times moved so that it plans now.
func seedNorth(t testing.TB, db *sqlx.DB, n int) {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 5})
	b.Partition = "north"
	if _, err := ingestpg.Seed(context.Background(), db, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		t.Fatal(err)
	}
}

// moreWork finishes every assigned task of north and adds a copy of each
// under a new id, so that the next run has work again.
func moreWork(t testing.TB, db *sqlx.DB, round int) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at)
		 SELECT id || '-r' || $1, partition, region, skills, priority, lat, lon, now() FROM paidan.task
		 WHERE partition = 'north' AND status = 'assigned'`,
		`UPDATE paidan.task SET status = 'done' WHERE partition = 'north' AND status = 'assigned' AND $1 <> ''`,
	} {
		if _, err := db.Exec(q, fmt.Sprint(round)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKeepExportVerifyExplain runs the scheduler's runner three times as
// the runtime role with inputs kept (Keep 2): every applied run keeps its
// snapshot, the partition retains the newest two, a kept run unpacks into
// a run directory that verifies against the run record and replays bit
// for bit, and the explainer answers from the run's stored data as
// model.Explain does on it.
func TestKeepExportVerifyExplain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, runtime := pgtest.NewRuntime(t)
	seedNorth(t, owner, 300)
	locker := &jobspg.Locker{DB: runtime}
	r := &jobs.Runner{
		Source: &jobspg.Source{DB: runtime},
		Writer: &jobspg.Writer{DB: runtime, Locker: locker},
		Locker: locker,
		Rules:  paidan.DefaultRules(),
		Inputs: &runsnappg.Keeper{DB: runtime, Keep: 2, Version: "test", TmpDir: t.TempDir()},
	}
	var runs []string
	for round := range 3 {
		if round > 0 {
			moreWork(t, owner, round)
		}
		res := r.Run(ctx, "north")
		if res.Status != paidan.RunApplied || res.Err != nil {
			t.Fatalf("run %d: %v, %v; want applied", round+1, res.Status, res.Err)
		}
		if _, ok := res.Stages[jobs.StageKeep]; !ok {
			t.Errorf("run %d has no %s stage", round+1, jobs.StageKeep)
		}
		runs = append(runs, res.RunID)
	}
	var kept []string
	if err := owner.Select(&kept, `SELECT run_id FROM paidan.run_input WHERE partition = 'north' ORDER BY created_at`); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0] != runs[1] || kept[1] != runs[2] {
		t.Fatalf("kept runs %v; want the newest two of %v", kept, runs)
	}
	if _, err := runsnappg.Get(ctx, runtime, runs[0]); !errors.Is(err, runsnappg.ErrNotKept) {
		t.Errorf("Get of the pruned run: %v; want ErrNotKept", err)
	}

	// The newest run, exported as a run directory, verifies and replays.
	k, err := runsnappg.Get(ctx, runtime, runs[2])
	if err != nil {
		t.Fatal(err)
	}
	var inputHash string
	if err := owner.Get(&inputHash, `SELECT input_hash FROM paidan.run WHERE id = $1`, runs[2]); err != nil {
		t.Fatal(err)
	}
	if k.Run.InputHash != inputHash || k.Run.Status != "applied" || k.Run.Source != "database" {
		t.Errorf("kept run claim %+v; want the run record's input hash %s, applied, from the database", k.Run, inputHash)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := runsnap.Unpack(k.Data, k.Run, dir, 0); err != nil {
		t.Fatal(err)
	}
	s, err := runsnap.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := runsnap.Verify(ctx, s, 0)
	if err != nil {
		t.Fatalf("Verify of the kept run: %v", err)
	}
	var assigned int
	if err := owner.Get(&assigned, `SELECT count(*) FROM paidan.assignment WHERE run_id = $1`, runs[2]); err != nil {
		t.Fatal(err)
	}
	if c.Assigned != assigned {
		t.Errorf("the kept plan assigns %d tasks; the run wrote back %d", c.Assigned, assigned)
	}
	if _, _, diffs, err := runsnap.Replay(ctx, s, model.Options{}); err != nil || len(diffs) > 0 {
		t.Errorf("Replay: %v %q", err, diffs)
	}

	// The explainer answers for a task of the newest run from its data
	// (the console's role reads what it needs; the owner stands in for it
	// here, and the console's handler test runs as that role).
	var task, worker string
	if err := owner.QueryRow(`SELECT task_id, worker_id FROM paidan.assignment WHERE run_id = $1 ORDER BY task_id LIMIT 1`, runs[2]).Scan(&task, &worker); err != nil {
		t.Fatal(err)
	}
	e := &runsnappg.Explainer{DB: owner, TmpDir: t.TempDir()}
	x, err := e.ExplainTask(ctx, paidan.TaskID(task))
	if err != nil {
		t.Fatal(err)
	}
	want, err := model.Explain(s.Batch, s.Rules, s.Plan, paidan.TaskID(task))
	if err != nil {
		t.Fatal(err)
	}
	if x.Run.RunID != runs[2] || x.Explanation.Assignment == nil || string(x.Explanation.Assignment.Worker) != worker || x.Explanation.Why != want.Why {
		t.Errorf("explained task %s from run %s: %q; want run %s, worker %s, %q", task, x.Run.RunID, x.Explanation.Why, runs[2], worker, want.Why)
	}
	if !x.Explanation.Priced {
		t.Errorf("explanation of task %s has no reduced costs", task)
	}
	// An explainer that waits at most a nanosecond says the run is being
	// prepared, goes on preparing it in the background, and a later call
	// answers from it as the explainer that waited did.
	quick := &runsnappg.Explainer{DB: owner, TmpDir: t.TempDir(), Wait: time.Nanosecond}
	if _, err := quick.ExplainTask(ctx, paidan.TaskID(task)); !errors.Is(err, runsnappg.ErrPreparing) {
		t.Errorf("first explain with Wait 1ns: %v; want ErrPreparing", err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		y, err := quick.ExplainTask(ctx, paidan.TaskID(task))
		if errors.Is(err, runsnappg.ErrPreparing) && time.Now().Before(deadline) {
			continue
		}
		if err != nil || y.Run.RunID != runs[2] || y.Explanation.Why != want.Why {
			t.Errorf("explain after the background preparation: %v; want run %s, %q", err, runs[2], want.Why)
		}
		break
	}

	// A task only the pruned run decided about has no kept explanation.
	var old string
	if err := owner.Get(&old, `SELECT task_id FROM paidan.assignment WHERE run_id = $1 ORDER BY task_id LIMIT 1`, runs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ExplainTask(ctx, paidan.TaskID(old)); !errors.Is(err, runsnappg.ErrNotKept) {
		t.Errorf("explain task %s of the pruned run: %v; want ErrNotKept", old, err)
	}
}

// TestKeptInputIsTheRuns: the table refuses, for any role, a snapshot
// whose hashes are not its run's or whose run is not applied, and the
// runtime role may neither change nor delete kept snapshots nor prune a
// partition to nothing.
func TestKeptInputIsTheRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, runtime := pgtest.NewRuntime(t)
	seedNorth(t, owner, 100)
	locker := &jobspg.Locker{DB: runtime}
	r := &jobs.Runner{Source: &jobspg.Source{DB: runtime}, Writer: &jobspg.Writer{DB: runtime, Locker: locker},
		Locker: locker, Rules: paidan.DefaultRules()}
	res := r.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run: %v %v", res.Status, res.Err)
	}
	hex := func(c string) string { return fmt.Sprintf("%064s", c)[:64] }
	var input, rules string
	if err := owner.QueryRow(`SELECT input_hash, rules_hash FROM paidan.run WHERE id = $1`, res.RunID).Scan(&input, &rules); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO paidan.run_input (run_id, partition, format, input_hash, rules_hash, sha256, size, data)
		VALUES ($1, $2, 'rundir-tar/1', $3, $4, $5, 1, '\x00')`
	code := func(err error) string {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) {
			return string(pqErr.Code)
		}
		return fmt.Sprint(err)
	}
	for _, c := range []struct {
		name                   string
		run, part, input, rule string
		want                   string
	}{
		{"another input hash", res.RunID, "north", hex("a"), rules, "23514"},
		{"another rules hash", res.RunID, "north", input, hex("b"), "23514"},
		{"another partition", res.RunID, "south", input, rules, "23514"},
	} {
		_, err := owner.Exec(insert, c.run, c.part, c.input, c.rule, hex("c"))
		if code(err) != c.want {
			t.Errorf("%s: %v; want SQLSTATE %s", c.name, err, c.want)
		}
	}
	if _, err := runtime.Exec(insert, res.RunID, "north", input, rules, hex("c")); err != nil {
		t.Fatalf("runtime keeps its run's input: %v", err)
	}
	for q, want := range map[string]string{
		`UPDATE paidan.run_input SET size = 2`:                "42501",
		`DELETE FROM paidan.run_input`:                        "42501",
		`SELECT paidan.prune_run_input('north', 0)`:           "22023",
		`TRUNCATE paidan.run_input`:                           "42501",
		`SELECT count(*) FROM paidan.prune_run_input('x', 1)`: "",
	} {
		_, err := runtime.Exec(q)
		if got := code(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("runtime %s: %v; want %q", q, err, want)
		}
	}
}
