package river_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	exportpg "github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
	"github.com/paidan/paidan/push"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// receiver is a subscriber's webhook server: it verifies each delivery's
// signature and counts deliveries by idempotency key. While failing is
// set it answers 503 to every request.
type receiver struct {
	t      testing.TB
	secret []byte
	srv    *httptest.Server

	mu        sync.Mutex
	byKey     map[string]int
	bodies    map[string]push.Delivery
	badSig    int
	failing   bool
	refused   int
	delivered chan struct{}
}

func newReceiver(t testing.TB, secret []byte) *receiver {
	r := &receiver{t: t, secret: secret, byKey: map[string]int{}, bodies: map[string]push.Delivery{},
		delivered: make(chan struct{}, 1<<16)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing {
		r.refused++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if err := push.Verify(r.secret, req.Header, body, time.Now(), 5*time.Minute); err != nil {
		r.badSig++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var d push.Delivery
	if err := json.Unmarshal(body, &d); err != nil || d.Key != req.Header.Get(push.HeaderIdempotency) {
		r.badSig++
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.byKey[d.Key]++
	r.bodies[d.Key] = d
	w.WriteHeader(http.StatusNoContent)
	r.delivered <- struct{}{}
}

func (r *receiver) setFailing(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = v
}

// snapshot returns a copy of the deliveries received, by key, and the
// number of requests whose signature failed.
func (r *receiver) snapshot() (map[string]int, map[string]push.Delivery, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byKey := make(map[string]int, len(r.byKey))
	bodies := make(map[string]push.Delivery, len(r.bodies))
	for k, v := range r.byKey {
		byKey[k] = v
	}
	for k, v := range r.bodies {
		bodies[k] = v
	}
	return byKey, bodies, r.badSig
}

// waitKeys waits until every key in want was delivered, or fails the test
// after timeout.
func (r *receiver) waitKeys(t testing.TB, want []string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		got, _, _ := r.snapshot()
		missing := 0
		for _, k := range want {
			if got[k] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		select {
		case <-r.delivered:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d of %d deliveries missing after %s; got %d keys", missing, len(want), timeout, len(got))
		}
	}
}

// fixture is a migrated database with a runner and a River client working
// deliveries as the runtime role.
type fixture struct {
	owner, runtime *sqlx.DB
	client         *jobsriver.Client
	runner         *jobs.Runner
	writer         *jobspg.Writer
}

// fastOptions retry quickly and poll often, for tests.
func fastOptions(db *sqlx.DB) jobsriver.Options {
	return jobsriver.Options{DB: db.DB, Deliver: 4, MaxAttempts: 5, PollInterval: 50 * time.Millisecond,
		Backoff: jobsriver.Backoff{Base: 100 * time.Millisecond, Max: 400 * time.Millisecond},
		Timeout: 5 * time.Second, RescueAfter: 10 * time.Second}
}

func newFixture(t *testing.T, opts func(*jobsriver.Options)) *fixture {
	t.Helper()
	owner, runtime := pgtest.NewRuntime(t)
	o := fastOptions(runtime)
	if opts != nil {
		opts(&o)
	}
	client, err := jobsriver.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := client.Stop(sctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if err := exportpg.CheckInvariants(ctx, owner); err != nil {
			t.Error(err)
		}
	})
	locker := &jobspg.Locker{DB: runtime}
	w := &jobspg.Writer{DB: runtime, Locker: locker, Publisher: &jobsriver.Publisher{Client: client}}
	r := &jobs.Runner{Source: &jobspg.Source{DB: runtime}, Writer: w, Locker: locker, Rules: paidan.DefaultRules()}
	return &fixture{owner: owner, runtime: runtime, client: client, runner: r, writer: w}
}

// seed inserts a generated batch of n tasks as partition p.
func seed(t testing.TB, db *sqlx.DB, p string, n int, s uint64) {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: s, IDPrefix: p + "-"})
	b.Partition = p
	if _, err := ingestpg.Seed(context.Background(), db, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// addSubscriber adds a subscriber as the owner.
func addSubscriber(t testing.TB, db *sqlx.DB, name, url, events string, single bool, secret []byte) *jobsriver.Subscriber {
	t.Helper()
	kinds, err := push.ParseKinds(events)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jobsriver.AddSubscriber(context.Background(), db, "shell:test", jobsriver.NewSubscriber{
		Name: name, URL: url, Events: kinds, Single: single, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func count(t testing.TB, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
