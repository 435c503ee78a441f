package postgres_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// TestSchedulerRunsARequestAtOnce: a scheduler whose next tick is an hour
// away records its heartbeat (next_at an hour ahead), and a run requested
// in the console (an insert into paidan.run_request, which notifies) is
// claimed and run within seconds; the request records the applied run and
// its outcome. Stopping the scheduler deletes its heartbeat. A second
// request of the same partition while the first is open is refused by the
// database (TestClaimTakesEachRequestOnce).
func TestSchedulerRunsARequestAtOnce(t *testing.T) {
	t.Parallel()
	url := newDB(t)
	db := open(t, url)
	seed(t, db, "north", 30, 7)
	reqs := &jobspg.Requests{DB: db, Scheduler: "test:1"}
	if err := reqs.Listen(url); err != nil {
		t.Fatal(err)
	}
	defer reqs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &jobs.Scheduler{Runner: newRunner(db, slog.New(slog.DiscardHandler)), Schedule: jobs.Every(time.Hour),
		Requests: reqs, Heartbeat: reqs}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	waitFor(t, "the heartbeat", func() bool {
		return count(t, db, `SELECT count(*) FROM paidan.scheduler_heartbeat
			WHERE scheduler = 'test:1' AND next_at > now() + interval '50 minutes' AND partitions = '{}'`) == 1
	})
	execSQL(t, db, `INSERT INTO paidan.run_request (partition, requested_by, note) VALUES ('north', 'account:ann', 'now please')`)
	waitFor(t, "the requested run", func() bool {
		return count(t, db, `SELECT count(*) FROM paidan.run_request r JOIN paidan.run ON run.id = r.run_id
			WHERE r.note = 'now please' AND run.status = 'applied' AND r.claimed_by = 'test:1' AND r.done_at IS NOT NULL`) == 1
	})
	var outcome string
	if err := db.Get(&outcome, `SELECT outcome FROM paidan.run_request WHERE note = 'now please'`); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(outcome, "applied: ") {
		t.Errorf("outcome %q, want applied", outcome)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := reqs.Forget(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM paidan.scheduler_heartbeat`); n != 0 {
		t.Errorf("%d heartbeats after Forget, want 0", n)
	}
}

// TestClaimTakesEachRequestOnce: a partition has one open request at most;
// two schedulers claiming at once take each open request exactly once, and
// a scheduler of other partitions takes none of them.
func TestClaimTakesEachRequestOnce(t *testing.T) {
	t.Parallel()
	url := newDB(t)
	db := open(t, url)
	execSQL(t, db, `INSERT INTO paidan.run_request (partition, requested_by) VALUES ('a', 'x'), ('b', 'x'), ('c', 'x')`)
	if _, err := db.Exec(`INSERT INTO paidan.run_request (partition, requested_by) VALUES ('a', 'y')`); err == nil ||
		!strings.Contains(err.Error(), "run_request_one_open") {
		t.Errorf("a second open request of partition a: %v, want the unique index refusing it", err)
	}
	ctx := context.Background()
	other := &jobspg.Requests{DB: db, Scheduler: "other:1"}
	if got, err := other.Claim(ctx, []string{"z"}); err != nil || len(got) != 0 {
		t.Fatalf("claim of partition z: %v, %v; want none", got, err)
	}
	results := make(chan []jobs.RunRequest, 2)
	for _, name := range []string{"s:1", "s:2"} {
		go func() {
			q := &jobspg.Requests{DB: db, Scheduler: name}
			got, err := q.Claim(ctx, nil)
			if err != nil {
				t.Error(err)
			}
			results <- got
		}()
	}
	seen := map[string]int{}
	for range 2 {
		for _, r := range <-results {
			seen[r.Partition]++
		}
	}
	if len(seen) != 3 || seen["a"] != 1 || seen["b"] != 1 || seen["c"] != 1 {
		t.Errorf("claimed %v, want a, b and c once each", seen)
	}
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 30 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
