package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// seedPartition inserts a generated city of n tasks as partition part, its
// ids prefixed with the partition's name (ids are global), its times moved
// so that it plans now.
func seedPartition(t testing.TB, db *sqlx.DB, part string, n int, seed uint64) {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: seed, IDPrefix: part + "-"})
	b.Partition = part
	if _, err := ingestpg.Seed(context.Background(), db, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		t.Fatal(err)
	}
}

// moreWorkIn finishes every assigned task of part and adds a copy of each
// under a new id, so that the next run has work again.
func moreWorkIn(t testing.TB, db *sqlx.DB, part, round string) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at)
		 SELECT id || '-r' || $2, partition, region, skills, priority, lat, lon, now() FROM paidan.task
		 WHERE partition = $1 AND status = 'assigned'`,
		`UPDATE paidan.task SET status = 'done' WHERE partition = $1 AND status = 'assigned' AND $2 <> ''`,
	} {
		if _, err := db.Exec(q, part, round); err != nil {
			t.Fatal(err)
		}
	}
}

// waitStats polls e's counters until ok holds of them, for at most a
// minute, and returns the last ones read.
func waitStats(t *testing.T, e *runsnappg.Explainer, what string, ok func(runsnappg.ExplainerStats) bool) runsnappg.ExplainerStats {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		s := e.Stats()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute, still not %s: %+v", what, s)
		}
	}
}

// assignedTask returns a task that run assigned.
func assignedTask(t *testing.T, db *sqlx.DB, run string) paidan.TaskID {
	t.Helper()
	var task string
	if err := db.Get(&task, `SELECT task_id FROM paidan.assignment WHERE run_id = $1 ORDER BY task_id LIMIT 1`, run); err != nil {
		t.Fatal(err)
	}
	return paidan.TaskID(task)
}

// TestPrefetcherWarmsTheNewestKeptRuns: kept runs in two partitions (two
// of north, one of south); a Prefetcher on the console's role prepares
// the newest of each at start-up (never the older north run), so that
// the first explanation of a task of north's newest run is a cache hit
// with no read of its own; a run kept afterwards is announced on
// KeptChannel and prepared before anyone asks for it, and the cache never
// holds more runs than its size.
func TestPrefetcherWarmsTheNewestKeptRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerDSN, consoleDSN := pgtest.NewConsoleURL(t)
	owner := sqlx.MustOpen("postgres", ownerDSN)
	t.Cleanup(func() { owner.Close() })
	consoleDB := sqlx.MustOpen("postgres", consoleDSN)
	t.Cleanup(func() { consoleDB.Close() })
	seedPartition(t, owner, "north", 120, 5)
	seedPartition(t, owner, "south", 80, 6)
	locker := &jobspg.Locker{DB: owner}
	r := &jobs.Runner{Source: &jobspg.Source{DB: owner}, Writer: &jobspg.Writer{DB: owner, Locker: locker}, Locker: locker,
		Rules: paidan.DefaultRules(), Inputs: &runsnappg.Keeper{DB: owner, Version: "test", TmpDir: t.TempDir()}}
	run := func(part string) string {
		t.Helper()
		res := r.Run(ctx, part)
		if res.Status != paidan.RunApplied || res.Err != nil {
			t.Fatalf("run of %s: %v %v; want applied", part, res.Status, res.Err)
		}
		return res.RunID
	}
	northOld := run("north")
	moreWorkIn(t, owner, "north", "1")
	north := run("north")
	south := run("south")

	newest, err := runsnappg.NewestKept(ctx, consoleDB, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []runsnappg.KeptRun{{Run: south, Partition: "south"}, {Run: north, Partition: "north"}}
	if !slices.Equal(newest, want) {
		t.Fatalf("NewestKept = %+v; want %+v (older %s left out)", newest, want, northOld)
	}

	// Wait 1ns: an explanation answers only from a run already prepared.
	e := &runsnappg.Explainer{DB: consoleDB, TmpDir: t.TempDir(), Cache: 2, Wait: time.Nanosecond}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&runsnappg.Prefetcher{Explainer: e, DSN: consoleDSN}).Run(pctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != context.Canceled {
			t.Errorf("Prefetcher.Run after its context ended: %v; want context.Canceled", err)
		}
	})
	s := waitStats(t, e, "two runs prefetched", func(s runsnappg.ExplainerStats) bool { return s.Prefetched == 2 })
	if !slices.Equal(s.Cached, []string{north, south}) || s.Reads != 2 || s.Hits != 0 {
		t.Fatalf("after start-up: %+v; want north's newest and south's run cached (south, kept last, most recent), 2 reads, no hits", s)
	}

	task := assignedTask(t, owner, north)
	x, err := e.ExplainTask(ctx, task)
	if err != nil {
		t.Fatalf("first explanation of %s after start-up: %v; want it from the prefetched run", task, err)
	}
	if x.Run.RunID != north {
		t.Errorf("explained %s from run %s; want %s", task, x.Run.RunID, north)
	}
	if s := e.Stats(); s.Hits != 1 || s.Reads != 2 {
		t.Errorf("after the first explanation: %+v; want 1 hit and no read beyond the 2 prefetched", s)
	}

	// A run kept now is announced and prepared; the least recently used
	// run (south's: north's was just explained) leaves the cache.
	moreWorkIn(t, owner, "north", "2")
	northNew := run("north")
	s = waitStats(t, e, "the announced run prefetched", func(s runsnappg.ExplainerStats) bool { return s.Prefetched == 3 })
	if !slices.Equal(s.Cached, []string{north, northNew}) || s.Reads != 3 {
		t.Fatalf("after run %s was kept: %+v; want %s and %s cached, 3 reads", northNew, s, north, northNew)
	}
	task = assignedTask(t, owner, northNew)
	if x, err := e.ExplainTask(ctx, task); err != nil || x.Run.RunID != northNew {
		t.Fatalf("first explanation of %s of the announced run: %v; want it from run %s", task, err, northNew)
	}
	if s := e.Stats(); s.Hits != 2 || s.Reads != 3 {
		t.Errorf("after explaining a task of the announced run: %+v; want 2 hits and still 3 reads", s)
	}
}

// TestPrefetcherRefreshesAfterReconnecting: announcements sent while the
// listening connection is down are lost, so the Prefetcher prepares the
// newest kept runs again when it reconnects. With a cache of one run,
// south's (the newest) is prefetched at start-up; the test then prepares
// north's, which pushes south's out, and kills the listening connection:
// once reconnected, the Prefetcher has south's prepared again.
func TestPrefetcherRefreshesAfterReconnecting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerDSN, consoleDSN := pgtest.NewConsoleURL(t)
	owner := sqlx.MustOpen("postgres", ownerDSN)
	t.Cleanup(func() { owner.Close() })
	consoleDB := sqlx.MustOpen("postgres", consoleDSN)
	t.Cleanup(func() { consoleDB.Close() })
	seedPartition(t, owner, "north", 60, 8)
	seedPartition(t, owner, "south", 60, 9)
	locker := &jobspg.Locker{DB: owner}
	r := &jobs.Runner{Source: &jobspg.Source{DB: owner}, Writer: &jobspg.Writer{DB: owner, Locker: locker}, Locker: locker,
		Rules: paidan.DefaultRules(), Inputs: &runsnappg.Keeper{DB: owner, Version: "test", TmpDir: t.TempDir()}}
	var runs []string
	for _, part := range []string{"north", "south"} {
		res := r.Run(ctx, part)
		if res.Status != paidan.RunApplied || res.Err != nil {
			t.Fatalf("run of %s: %v %v; want applied", part, res.Status, res.Err)
		}
		runs = append(runs, res.RunID)
	}
	north, south := runs[0], runs[1]

	e := &runsnappg.Explainer{DB: consoleDB, TmpDir: t.TempDir(), Cache: 1}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&runsnappg.Prefetcher{Explainer: e, DSN: consoleDSN}).Run(pctx) }()
	t.Cleanup(func() { stop(); <-done })
	s := waitStats(t, e, "south's run prefetched", func(s runsnappg.ExplainerStats) bool { return s.Prefetched == 1 })
	if !slices.Equal(s.Cached, []string{south}) {
		t.Fatalf("after start-up with a cache of one: %+v; want only the newest run, %s", s, south)
	}
	if err := e.Prefetch(ctx, north); err != nil {
		t.Fatal(err)
	}
	if s := e.Stats(); !slices.Equal(s.Cached, []string{north}) || s.Prefetched != 2 {
		t.Fatalf("after preparing %s: %+v; want it alone in the cache", north, s)
	}

	// The listening connection is the console role's one whose last
	// statement was its LISTEN.
	admin := pgtest.Admin(t)
	var killed int
	for deadline := time.Now().Add(time.Minute); killed == 0; time.Sleep(50 * time.Millisecond) {
		if err := admin.Get(&killed, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = $1 AND query = $2`,
			dbName(t, consoleDB), `LISTEN "`+runsnappg.KeptChannel+`"`); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no listening connection to terminate")
		}
	}
	s = waitStats(t, e, "the newest run prepared again after reconnecting", func(s runsnappg.ExplainerStats) bool { return s.Prefetched == 3 })
	if !slices.Equal(s.Cached, []string{south}) || s.Reads != 3 {
		t.Errorf("after reconnecting: %+v; want %s prepared again (3 reads)", s, south)
	}
}

// dbName returns the name of the database db is connected to.
func dbName(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var name string
	if err := db.Get(&name, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	return name
}
