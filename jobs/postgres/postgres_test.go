package postgres_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	exportpg "github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	"github.com/paidan/paidan/model"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestLockerExcludesAcrossPools(t *testing.T) {
	t.Parallel()
	url := newDB(t)
	a, b := open(t, url), open(t, url)
	ctx := t.Context()
	held, err := (&jobspg.Locker{DB: a}).TryLock(ctx, "north")
	if err != nil {
		t.Fatalf("first TryLock: %v", err)
	}
	lb := &jobspg.Locker{DB: b}
	if _, err := lb.TryLock(ctx, "north"); !errors.Is(err, jobs.ErrLocked) {
		t.Fatalf("second TryLock of a held partition: %v, want ErrLocked", err)
	}
	other, err := lb.TryLock(ctx, "south")
	if err != nil {
		t.Fatalf("TryLock of another partition: %v", err)
	}
	if err := other.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.Check(ctx); err != nil {
		t.Fatalf("Check of a held lock: %v", err)
	}

	// Kill the lock's connection: the server releases the lock.
	admin := pgtest.Admin(t)
	var killed int
	var dbName string
	if err := a.Get(&dbName, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	inDB := `locktype = 'advisory' AND classid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = $2)`
	if err := admin.Get(&killed, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE granted AND `+inDB,
		jobspg.LockNamespace, dbName); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d lock holders, want 1", killed)
	}
	if err := held.Check(ctx); !errors.Is(err, jobs.ErrLockLost) {
		t.Fatalf("Check after the connection died: %v, want ErrLockLost", err)
	}
	if err := held.Release(ctx); err == nil {
		t.Error("Release on a dead connection: nil error")
	}
	again, err := lb.TryLock(ctx, "north")
	if err != nil {
		t.Fatalf("TryLock after the holder died: %v", err)
	}
	if err := again.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// Released locks do not linger in pooled connections.
	if n := count(t, admin, `SELECT count(*) FROM pg_locks WHERE `+inDB, jobspg.LockNamespace, dbName); n != 0 {
		t.Errorf("%d advisory locks held after release, want 0", n)
	}
}

// TestConcurrentSchedulers runs several schedulers, each with a pool of
// its own, for many cycles on one partition, while the business side
// cancels and edits tasks and takes capacity away during every solve and
// unassigns and finishes tasks between cycles.
func TestConcurrentSchedulers(t *testing.T) {
	t.Parallel()
	schedulers, cycles := envInt(t, "PAIDAN_SOAK_SCHEDULERS", 3), envInt(t, "PAIDAN_SOAK_CYCLES", 6)
	start := time.Now()
	url := newDB(t)
	admin := open(t, url)
	seed(t, admin, "city", envInt(t, "PAIDAN_SOAK_TASKS", 600), 11)
	ctx := t.Context()
	var (
		mu      sync.Mutex
		results []*jobs.Result
		wg      sync.WaitGroup
	)

	// The business side's multi-row updates lock tasks, then (through the
	// load trigger) workers, or many workers in table order; the
	// write-back locks workers in id order, then tasks. The database breaks
	// the occasional deadlock by aborting one side: a business statement
	// here is then simply not retried, a write-back is retried by the
	// runner, and fails (writing nothing) when every retry deadlocks too.
	deadlocks, checks, violations := 0, 0, 0
	businessExec := func(q string) {
		var pqErr *pq.Error
		_, err := admin.ExecContext(context.Background(), q)
		if errors.As(err, &pqErr) && pqErr.Code == "40P01" {
			mu.Lock()
			deadlocks++
			mu.Unlock()
		} else if err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	mutate := func() {
		for _, q := range []string{
			`UPDATE paidan.task SET status = 'cancelled' WHERE status = 'pending' AND id IN (SELECT id FROM paidan.task WHERE partition = 'city' AND status = 'pending' ORDER BY random() LIMIT 3)`,
			`UPDATE paidan.task SET priority = priority + 1 WHERE id IN (SELECT id FROM paidan.task WHERE partition = 'city' AND status = 'pending' ORDER BY random() LIMIT 3)`,
			`UPDATE paidan.worker SET capacity = load WHERE active AND id IN (SELECT id FROM paidan.worker WHERE partition = 'city' AND active AND capacity > load ORDER BY random() LIMIT 1)`,
			`UPDATE paidan.worker SET active = false WHERE id IN (SELECT id FROM paidan.worker WHERE partition = 'city' AND active ORDER BY random() LIMIT 1)`,
		} {
			businessExec(q)
		}
	}
	business := func() {
		for _, q := range []string{
			`UPDATE paidan.task SET status = 'pending' WHERE status = 'assigned' AND id IN (SELECT id FROM paidan.task WHERE partition = 'city' AND status = 'assigned' ORDER BY random() LIMIT 20)`,
			`UPDATE paidan.task SET status = 'done' WHERE status = 'assigned' AND id IN (SELECT id FROM paidan.task WHERE partition = 'city' AND status = 'assigned' ORDER BY random() LIMIT 10)`,
			`UPDATE paidan.worker SET capacity = capacity + 2 WHERE partition = 'city'`,
		} {
			businessExec(q)
		}
		// The invariants hold at every moment, not only at the end.
		err := exportpg.CheckInvariants(context.Background(), admin)
		mu.Lock()
		checks++
		if err != nil {
			violations++
			t.Error(err)
		}
		mu.Unlock()
	}

	for range schedulers {
		r := newRunner(open(t, url), discard)
		r.Model.Progress = func(stage string) {
			if stage == model.StageSolve {
				mutate()
			}
		}
		wg.Go(func() {
			for range cycles {
				res := r.Run(ctx, "city")
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
				business()
			}
		})
	}
	wg.Wait()

	checkNoDoubleWork(t, admin)
	var applied, skipped, rolledBack, conflicts, assigned int
	for _, res := range results {
		switch res.Status {
		case paidan.RunApplied:
			applied++
			conflicts += len(res.Conflicts)
			assigned += res.Assigned
			for task, kind := range res.Conflicts {
				if kind == "task_cancelled" {
					if n := count(t, admin, `SELECT count(*) FROM paidan.task WHERE id = $1 AND status = 'cancelled'`, string(task)); n != 1 {
						t.Errorf("task %s refused as cancelled is not cancelled", task)
					}
				}
			}
		case paidan.RunSkipped:
			skipped++
		case paidan.RunFailed:
			if !errors.Is(res.Err, jobs.ErrRetryable) {
				t.Errorf("run %s failed: %v", res.RunID, res.Err)
			}
			rolledBack++
			if n := count(t, admin, `SELECT count(*) FROM paidan.run WHERE id = $1 AND status = 'failed' AND assigned = 0`, res.RunID); n != 1 {
				t.Errorf("run %s failed but is not recorded failed with nothing assigned", res.RunID)
			}
			if n := count(t, admin, `SELECT count(*) FROM paidan.assignment WHERE run_id = $1`, res.RunID); n != 0 {
				t.Errorf("failed run %s left %d assignments", res.RunID, n)
			}
		}
	}
	t.Logf("soak: schedulers %d, cycles %d, runs %d: applied %d, skipped %d, failed %d (every retry deadlocked); assigned %d, conflicts %d; invariant checks %d, violations %d; business deadlocks %d; wall %.1fs",
		schedulers, cycles, len(results), applied, skipped, rolledBack, assigned, conflicts,
		checks, violations, deadlocks, time.Since(start).Seconds())
	if applied == 0 {
		t.Fatal("no run applied")
	}
	if conflicts == 0 {
		t.Error("no conflicts although tasks and workers changed during every solve")
	}
	if got := count(t, admin, `SELECT coalesce(sum(conflicts), 0) FROM paidan.run WHERE status = 'applied'`); got != conflicts {
		t.Errorf("conflicts recorded in paidan.run = %d, counted by the runs = %d", got, conflicts)
	}
	if got := count(t, admin, `SELECT count(*) FROM paidan.assignment`); got != assigned {
		t.Errorf("assignments in the database = %d, reported assigned = %d", got, assigned)
	}
	if got := count(t, admin, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`); got != applied {
		t.Errorf("applied runs in the database = %d, reported = %d", got, applied)
	}
}

// TestPoisonedRows stores every kind of bad row the schema lets through,
// checks that the schema refuses the others with their SQLSTATE, and that
// a run reports each stored one exactly and dispatches the rest.
func TestPoisonedRows(t *testing.T) {
	t.Parallel()
	url := newDB(t)
	db := open(t, url)
	seed(t, db, "city", 100, 3)
	ctx := t.Context()

	refused := []struct {
		name, state, query string
	}{
		{"NaN latitude", "23514", `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('nan', 'city', 'NaN', 0)`},
		{"infinite longitude", "23514", `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('inf', 'city', 0, 'Infinity')`},
		{"negative capacity", "23514", `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('neg', 'city', -1, 0, 0)`},
		{"duplicate id", "23505", `INSERT INTO paidan.task (id, partition, lat, lon) SELECT min(id), 'city', 0, 0 FROM paidan.task`},
		{"invalid UTF-8", "22021", `INSERT INTO paidan.task (id, partition, region, lat, lon) VALUES ('utf', 'city', convert_from('\xff'::bytea, 'UTF8'), 0, 0)`},
		{"huge region", "23514", `INSERT INTO paidan.task (id, partition, region, lat, lon) VALUES ('huge-region', 'city', repeat('x', 1048576), 31.2, 121.4)`},
		{"too many skills", "23514", `INSERT INTO paidan.task (id, partition, skills, lat, lon) VALUES ('many-skills', 'city', array_fill('s'::text, ARRAY[100]), 31.2, 121.4)`},
	}
	for _, c := range refused {
		_, err := db.ExecContext(ctx, c.query)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || string(pqErr.Code) != c.state {
			t.Errorf("%s: %v, want SQLSTATE %s", c.name, err, c.state)
		}
	}

	stored := []string{
		`INSERT INTO paidan.task (id, partition, pinned_worker, lat, lon) VALUES ('pinned-nowhere', 'city', 'nobody', 31.2, 121.4)`,
		`INSERT INTO paidan.worker (id, partition, skills, capacity, lat, lon) VALUES ('huge-worker', 'city', ARRAY[repeat('y', 300)], 5, 31.2, 121.4)`,
		`INSERT INTO paidan.task (id, partition, pinned_worker, lat, lon) VALUES ('pinned-to-huge', 'city', 'huge-worker', 31.2, 121.4)`,
	}
	for _, q := range stored {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	want := map[string]error{
		"pinned-nowhere": paidan.ErrUnknownRef,
		"huge-worker":    paidan.ErrTooLong,
		"pinned-to-huge": paidan.ErrUnknownRef,
	}

	res := newRunner(db, discard).Run(ctx, "city")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run %s: %v, want applied", res.Status, res.Err)
	}
	if len(res.Poisoned) != len(want) {
		t.Errorf("poisoned rows %v, want %d", res.Poisoned, len(want))
	}
	for _, bad := range res.Poisoned {
		sentinel, ok := want[bad.Key]
		if !ok {
			t.Errorf("unexpected poisoned row %v", bad)
			continue
		}
		if !errors.Is(bad, sentinel) || !strings.HasPrefix(bad.Source, "table paidan.") {
			t.Errorf("row %s: %v, want an error from a paidan table wrapping %v", bad.Key, bad, sentinel)
		}
	}
	if res.Assigned == 0 {
		t.Error("the good rows were not dispatched")
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.task WHERE id IN ('pinned-nowhere', 'pinned-to-huge') AND status = 'pending'`); n != 2 {
		t.Errorf("%d poisoned tasks still pending, want 2", n)
	}
	checkNoDoubleWork(t, db)
}

// cancellingWriter cancels the run's context a given time into its
// write-back, as SIGTERM does.
type cancellingWriter struct {
	jobs.PlanWriter
	cancel context.CancelFunc
	after  time.Duration
}

func (w *cancellingWriter) Apply(ctx context.Context, run paidan.Run, plan *paidan.Plan, b *paidan.Batch) (*jobs.WriteResult, error) {
	time.AfterFunc(w.after, w.cancel)
	return w.PlanWriter.Apply(ctx, run, plan, b)
}

// TestCancelDuringWriteBack cancels runs (SIGTERM) at growing delays into
// their write-back: each write-back and export still finishes, whole.
func TestCancelDuringWriteBack(t *testing.T) {
	t.Parallel()
	db := open(t, newDB(t))
	seed(t, db, "city", 1500, 9)
	for i := range 6 {
		ctx, cancel := context.WithCancel(t.Context())
		r := newRunner(db, discard)
		r.Writer = &cancellingWriter{PlanWriter: r.Writer, cancel: cancel, after: time.Duration(i*i) * 5 * time.Millisecond}
		exp := &recordingExporter{}
		r.Exporter = exp
		res := r.Run(ctx, "city")
		cancel()
		if res.Status != paidan.RunApplied || res.Err != nil {
			t.Fatalf("run %d cancelled %v into its write-back: %s %v, want applied", i, time.Duration(i*i)*5*time.Millisecond, res.Status, res.Err)
		}
		if n := count(t, db, `SELECT count(*) FROM paidan.assignment WHERE run_id = $1`, res.RunID); n != res.Assigned {
			t.Errorf("run %d: %d assignments in the database, %d reported", i, n, res.Assigned)
		}
		if exp.n != 1 {
			t.Errorf("run %d: exported %d times, want 1", i, exp.n)
		}
		checkNoDoubleWork(t, db)
		execSQL(t, db, `UPDATE paidan.task SET status = 'pending' WHERE status = 'assigned' AND id IN (SELECT id FROM paidan.task WHERE status = 'assigned' ORDER BY random() LIMIT 300)`)
	}
}

// recordingExporter counts exports and checks their context is live.
type recordingExporter struct{ n int }

func (e *recordingExporter) Export(ctx context.Context, p *paidan.Plan) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	e.n++
	return p.RunID, nil
}

func TestSeedCancelledInsertsNothing(t *testing.T) {
	t.Parallel()
	db := open(t, newDB(t))
	b := datasets.Generate(datasets.GenOptions{Tasks: 5000, Seed: 4})
	b.Partition = "city"
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ingestpg.Seed(ctx, db, b, ingestpg.SeedOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Seed with a cancelled context: %v, want context.Canceled", err)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.task`) + count(t, db, `SELECT count(*) FROM paidan.worker`); n != 0 {
		t.Errorf("%d rows inserted by a cancelled seed, want 0", n)
	}
	res, err := ingestpg.Seed(t.Context(), db, b, ingestpg.SeedOptions{})
	if err != nil || res.Workers.Inserted != int64(len(b.Workers)) || res.Tasks.Inserted != 5000 {
		t.Errorf("Seed = %+v, %v; want %d workers and 5000 tasks inserted", res, err, len(b.Workers))
	}
}

// TestWritesNeedThePartitionLock: the database takes a run's writes only
// from the session that holds its partition's lock, so a Writer wired
// without the runner's Locker refuses at once (ErrNotLocked) instead of
// waiting for the lock its own run holds, and writes nothing; a write on
// another connection of the pool does wait for that lock (the test sees it
// blocked inside paidan.apply_run); wired with the Locker, the run applies.
func TestWritesNeedThePartitionLock(t *testing.T) {
	t.Parallel()
	db := open(t, newDB(t))
	seed(t, db, "city", 50, 3)

	r := newRunner(db, discard)
	r.Writer = &jobspg.Writer{DB: db}
	res := r.Run(t.Context(), "city")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, jobspg.ErrNotLocked) {
		t.Fatalf("run with a Writer without Locker: %s, %v; want failed, ErrNotLocked", res.Status, res.Err)
	}
	if n := count(t, db, `SELECT (SELECT count(*) FROM paidan.run) + (SELECT count(*) FROM paidan.assignment)`); n != 0 {
		t.Errorf("%d runs and assignments written without the partition lock, want 0", n)
	}

	// The lock held elsewhere: a run's write on another session waits.
	held, err := (&jobspg.Locker{DB: db}).TryLock(t.Context(), "city")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- exportpg.RecordRun(ctx, db, paidan.Run{ID: "r-other", Partition: "city", Status: paidan.RunFailed, Error: "x"})
	}()
	pgtest.WaitForLockWait(t, ctx, db, "%paidan.finish_run%")
	if err := held.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("RecordRun once the partition was free: %v", err)
	}

	if res := newRunner(db, discard).Run(t.Context(), "city"); res.Status != paidan.RunApplied {
		t.Fatalf("run with the Writer on the lock's connection: %s, %v; want applied", res.Status, res.Err)
	}
}
