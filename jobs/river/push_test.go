package river_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
	"github.com/paidan/paidan/push"
)

var secret = []byte("0123456789abcdef-test-secret")

// TestPushDeliversEveryAppliedRun: two partitions are planned and applied;
// a run subscriber receives one signed delivery per applied run whose
// assigned and reassigned events are exactly the run's rows in
// paidan.assignment, and a single-event subscriber one delivery per
// unassigned event, each exactly once.
func TestPushDeliversEveryAppliedRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	seed(t, f.owner, "north", 40, 1)
	seed(t, f.owner, "south", 30, 2)
	rcv := newReceiver(t, secret)
	all := addSubscriber(t, f.owner, "dispatch-app", rcv.srv.URL+"/hook", "assigned,reassigned,unassigned", false, secret)
	left := addSubscriber(t, f.owner, "left-out", rcv.srv.URL+"/left", "unassigned", true, secret)

	results, err := f.runner.RunAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range results {
		if r.Status != paidan.RunApplied {
			t.Fatalf("run of %s: %s %v", r.Partition, r.Status, r.Err)
		}
		want = append(want, fmt.Sprintf("%s/%d", r.RunID, all.ID))
		var left0 []string
		if err := f.owner.Select(&left0, `SELECT task_id FROM paidan.unassigned WHERE run_id = $1`, r.RunID); err != nil {
			t.Fatal(err)
		}
		for _, task := range left0 {
			want = append(want, fmt.Sprintf("%s/%d/%s/unassigned", r.RunID, left.ID, task))
		}
	}
	if len(want) <= len(results) {
		t.Fatalf("the runs left no task out; the single-event subscriber is not exercised (%d keys)", len(want))
	}
	rcv.waitKeys(t, want, 30*time.Second)

	byKey, bodies, bad := rcv.snapshot()
	if bad != 0 {
		t.Errorf("%d deliveries failed signature checks", bad)
	}
	if len(byKey) != len(want) {
		t.Errorf("received %d distinct deliveries, want %d (phantoms)", len(byKey), len(want))
	}
	for _, r := range results {
		d := bodies[fmt.Sprintf("%s/%d", r.RunID, all.ID)]
		if d.RunID != r.RunID || d.Partition != r.Partition || d.Sequence <= 0 {
			t.Errorf("delivery of run %s: %+v", r.RunID, d)
		}
		var gotAssigned []string
		for _, e := range d.Events {
			if e.Kind == push.Assigned || e.Kind == push.Reassigned {
				gotAssigned = append(gotAssigned, e.Task+"→"+e.Worker)
			}
		}
		var wantAssigned []string
		if err := f.owner.Select(&wantAssigned, `SELECT task_id || '→' || worker_id FROM paidan.assignment WHERE run_id = $1`, r.RunID); err != nil {
			t.Fatal(err)
		}
		slices.Sort(gotAssigned)
		slices.Sort(wantAssigned)
		if !slices.Equal(gotAssigned, wantAssigned) {
			t.Errorf("run %s: delivered %d assignments, the database holds %d (or they differ)", r.RunID, len(gotAssigned), len(wantAssigned))
		}
		if n := len(d.Events) - len(gotAssigned); n != count(t, f.owner, `SELECT count(*) FROM paidan.unassigned WHERE run_id = $1`, r.RunID) {
			t.Errorf("run %s: delivered %d unassigned events", r.RunID, n)
		}
	}
	// Every job completes; none is retried (the receiver never failed).
	waitFor(t, 10*time.Second, "every delivery job completed", func() bool {
		return count(t, f.owner, `SELECT count(*) FROM paidan_river.river_job WHERE state <> 'completed'`) == 0
	})
	if n := count(t, f.owner, `SELECT count(*) FROM paidan_river.river_job`); n != len(want) {
		t.Errorf("%d jobs, want %d", n, len(want))
	}
}

// failingPublisher enqueues, then fails: the write-back must roll back
// with everything it enqueued.
type failingPublisher struct{ inner jobspg.Publisher }

var errPublish = errors.New("publisher failed after enqueueing")

func (p failingPublisher) PublishTx(ctx context.Context, tx *sql.Tx, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch, refused map[paidan.TaskID]string) error {
	if err := p.inner.PublishTx(ctx, tx, run, plan, batch, refused); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM paidan_river.river_job`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("the publisher enqueued %d jobs (%v); the test needs some", n, err)
	}
	return errPublish
}

// TestPushRolledBackWriteBackEnqueuesNothing: a write-back that fails after
// its deliveries were enqueued leaves neither assignments nor jobs, and the
// next run, which succeeds, is delivered once.
func TestPushRolledBackWriteBackEnqueuesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	seed(t, f.owner, "north", 20, 4)
	rcv := newReceiver(t, secret)
	s := addSubscriber(t, f.owner, "app", rcv.srv.URL, "assigned", false, secret)

	inner := f.writer.Publisher
	f.writer.Publisher = failingPublisher{inner: inner}
	res := f.runner.Run(ctx, "north")
	if res.Status != paidan.RunFailed || !errors.Is(res.Err, errPublish) {
		t.Fatalf("run: %s %s %v; want failed with the publisher's error", res.Status, res.Reason, res.Err)
	}
	for _, q := range []string{
		`SELECT count(*) FROM paidan_river.river_job`,
		`SELECT count(*) FROM paidan.assignment`,
		`SELECT count(*) FROM paidan.run WHERE status = 'applied'`,
	} {
		if n := count(t, f.owner, q); n != 0 {
			t.Errorf("%s = %d after a rolled-back write-back, want 0", q, n)
		}
	}

	f.writer.Publisher = inner
	res = f.runner.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("second run: %s %v", res.Status, res.Err)
	}
	key := fmt.Sprintf("%s/%d", res.RunID, s.ID)
	rcv.waitKeys(t, []string{key}, 30*time.Second)
	byKey, _, _ := rcv.snapshot()
	if len(byKey) != 1 || byKey[key] != 1 {
		t.Errorf("deliveries %v; want only %s, once", byKey, key)
	}
}

// TestPushRetriesUntilTheReceiverIsBack: a receiver that refuses for a
// while gets the delivery once it answers again; the job records the
// failed attempts.
func TestPushRetriesUntilTheReceiverIsBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	seed(t, f.owner, "north", 20, 4)
	rcv := newReceiver(t, secret)
	s := addSubscriber(t, f.owner, "app", rcv.srv.URL, "assigned", false, secret)
	rcv.setFailing(true)
	res := f.runner.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run: %s %v", res.Status, res.Err)
	}
	waitFor(t, 20*time.Second, "two refused attempts", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.refused >= 2
	})
	rcv.setFailing(false)
	key := fmt.Sprintf("%s/%d", res.RunID, s.ID)
	rcv.waitKeys(t, []string{key}, 30*time.Second)
	if n := count(t, f.owner, `SELECT attempt FROM paidan_river.river_job WHERE args->>'key' = $1`, key); n < 3 {
		t.Errorf("delivered at attempt %d; want at least the 3rd", n)
	}
}

// TestPushDeadLetter: a delivery whose every attempt fails is discarded,
// listed by DeadDeliveries and counted by the Collector.
func TestPushDeadLetter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *jobsriver.Options) { o.MaxAttempts = 2 })
	ctx := context.Background()
	seed(t, f.owner, "north", 20, 5)
	rcv := newReceiver(t, secret)
	s := addSubscriber(t, f.owner, "app", rcv.srv.URL, "assigned", false, secret)
	rcv.setFailing(true)
	res := f.runner.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run: %s %v", res.Status, res.Err)
	}
	var dead []jobsriver.DeadDelivery
	waitFor(t, 20*time.Second, "a dead delivery", func() bool {
		var err error
		dead, err = jobsriver.DeadDeliveries(ctx, f.runtime, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(dead) == 1
	})
	d := dead[0]
	if d.RunID != res.RunID || d.Subscriber != s.ID || d.Attempts != 2 || !strings.Contains(d.LastError, "503") {
		t.Errorf("dead delivery %+v; want run %s, subscriber %d, 2 attempts, a 503", d, res.RunID, s.ID)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(jobsriver.NewCollector(f.runtime))
	want := `
# HELP paidan_push_deliveries Push deliveries by River state; state="discarded" counts the dead ones (every attempt failed).
# TYPE paidan_push_deliveries gauge
paidan_push_deliveries{state="available"} 0
paidan_push_deliveries{state="discarded"} 1
paidan_push_deliveries{state="retryable"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "paidan_push_deliveries"); err != nil {
		t.Error(err)
	}
}

// TestPushRemovedSubscriberCancels: a delivery whose subscriber was
// removed before it was made is cancelled, not retried.
func TestPushRemovedSubscriberCancels(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	seed(t, f.owner, "north", 20, 6)
	rcv := newReceiver(t, secret)
	addSubscriber(t, f.owner, "app", rcv.srv.URL, "assigned", false, secret)
	rcv.setFailing(true)
	if res := f.runner.Run(ctx, "north"); res.Status != paidan.RunApplied {
		t.Fatalf("run: %s %v", res.Status, res.Err)
	}
	if err := jobsriver.RemoveSubscriber(ctx, f.owner, "shell:test", "app"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the delivery cancelled", func() bool {
		return count(t, f.owner, `SELECT count(*) FROM paidan_river.river_job WHERE state = 'cancelled'`) == 1
	})
}

// waitFor polls cond until it holds or fails the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPushNotifiesCommittedRuns: a LISTEN on NotifyChannel hears each
// applied run once, with its id and partition, and nothing of a
// rolled-back write-back.
func TestPushNotifiesCommittedRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed(t, db, "north", 20, 4)
	addSubscriber(t, db, "app", "https://app.example.com/hook", "assigned", false, secret)
	client, err := jobsriver.New(jobsriver.Options{DB: db.DB})
	if err != nil {
		t.Fatal(err)
	}
	locker := &jobspg.Locker{DB: db}
	w := &jobspg.Writer{DB: db, Locker: locker}
	r := &jobs.Runner{Source: &jobspg.Source{DB: db}, Writer: w, Locker: locker, Rules: paidan.DefaultRules()}

	listener := pq.NewListener(url, time.Second, time.Second, nil)
	defer listener.Close()
	if err := listener.Listen(jobsriver.NotifyChannel); err != nil {
		t.Fatal(err)
	}
	w.Publisher = failingPublisher{inner: &jobsriver.Publisher{Client: client}}
	if res := r.Run(ctx, "north"); res.Status != paidan.RunFailed {
		t.Fatalf("run: %s; want failed", res.Status)
	}
	w.Publisher = &jobsriver.Publisher{Client: client}
	res := r.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run: %s %v", res.Status, res.Err)
	}
	select {
	case n := <-listener.Notify:
		want := fmt.Sprintf(`{"run_id" : "%s", "partition" : "north"}`, res.RunID)
		if n == nil || n.Extra != want {
			t.Errorf("notification %+v; want %s", n, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification of the applied run")
	}
	select {
	case n := <-listener.Notify:
		t.Errorf("a second notification %+v; the rolled-back run must not notify", n)
	case <-time.After(500 * time.Millisecond):
	}
}
