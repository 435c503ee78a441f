package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// sseEvent is one Server-Sent Event as a client reads it.
type sseEvent struct {
	Name, ID, Data string
}

// sseStream reads events from an open stream until it ends.
type sseStream struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openStream GETs path with the bearer token (and Last-Event-ID when
// last is not empty) and returns the response; a 200 stream's events
// are read in the background.
func openStream(t *testing.T, base, path, token, last string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &sseStream{resp: resp, events: make(chan sseEvent, 100), cancel: cancel}
	t.Cleanup(s.close)
	if resp.StatusCode != http.StatusOK {
		close(s.events)
		return s
	}
	go func() {
		defer close(s.events)
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if ev.Name != "" || ev.Data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

func (s *sseStream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next event other than a heartbeat, failing the test
// after 20 s.
func (s *sseStream) next(t *testing.T) sseEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev.Name != "heartbeat" {
				return ev
			}
		case <-deadline:
			t.Fatal("no event within 20 s")
		}
	}
}

// applyRun writes an applied run of partition north assigning each task
// (created here) to its worker, in one transaction as the write-back does.
func applyRun(t *testing.T, owner *sqlx.DB, run string, tasks map[string]string) {
	t.Helper()
	ctx := context.Background()
	tx := owner.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("apply run %s: %v\n%s", run, err, q)
		}
	}
	exec(`INSERT INTO paidan.run (id, partition, status, certificate) VALUES ($1, 'north', 'running', 'verified')`, run)
	for task, worker := range tasks {
		exec(`INSERT INTO paidan.task (id, partition, region, skills, lat, lon) VALUES ($1, 'north', 'east', '{plumbing}', 52.5, 13.4)`, task)
		exec(`UPDATE paidan.task SET status = 'assigned', assigned_worker = $2, assigned_run = $3 WHERE id = $1`, task, worker, run)
		exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
			VALUES ($3, $1, $2, 1, 1, 0, 0)`, task, worker, run)
	}
	exec(`UPDATE paidan.run SET status = 'applied', finished_at = now() WHERE id = $1`, run)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerStream runs the stream on a real server over PostgreSQL with
// a real HTTP client: only the worker's own token opens it (another
// worker's id 403, no or a wrong credential 401); it starts with the
// worker's active assignments, sends each applied run's assignments to
// the worker as they commit, resumes after Last-Event-ID without loss or
// repeat, beats, and ends when the token is revoked, which is then
// refused.
func TestWorkerStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL, consoleURL := pgtest.NewConsoleURL(t)
	owner := sqlx.MustOpen("postgres", ownerURL)
	t.Cleanup(func() { owner.Close() })
	cdb := sqlx.MustOpen("postgres", consoleURL)
	t.Cleanup(func() { cdb.Close() })
	st := &postgres.Store{DB: cdb}
	f := consoletest.Seed(t, owner, st, 20)
	if _, err := owner.ExecContext(ctx, `UPDATE paidan.worker SET capacity = 100`); err != nil {
		t.Fatal(err)
	}
	listening := postgres.Listen(st, consoleURL, nil)
	t.Cleanup(func() { listening.Close() })
	srv, err := console.New(console.Options{Store: listening, Argon2: consoletest.Argon2()})
	if err != nil {
		t.Fatal(err)
	}
	// Timeouts shorter than the test's streams, as paidan serve has
	// (ReadTimeout a minute): the stream must outlive them.
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 2*time.Second, 2*time.Second
	ts.Start()
	t.Cleanup(ts.Close)

	shell := console.Actor{Name: "shell:test"}
	tok1, wt1, err := console.IssueWorkerToken(ctx, st, shell, console.NewWorkerTokenSpec{Worker: "w01", Name: "app", TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	api, _, err := console.IssueToken(ctx, st, shell, console.NewTokenSpec{Account: f.Accounts["admin"], Name: "admin", Role: console.RoleAdmin, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := func(w string) string { return "/api/v1/workers/" + w + "/assignments?heartbeat=1s" }

	// Refusals.
	for _, c := range []struct {
		name, worker, token string
		want                int
	}{
		{"another worker's stream", "w02", tok1, http.StatusForbidden},
		{"no credential", "w01", "", http.StatusUnauthorized},
		{"an admin's API token", "w01", api, http.StatusUnauthorized},
		{"an unknown worker token", "w01", console.WorkerTokenPrefix + strings.Repeat("A", 43), http.StatusUnauthorized},
	} {
		s := openStream(t, ts.URL, path(c.worker), c.token, "")
		if s.resp.StatusCode != c.want {
			t.Errorf("%s: %s, want %d", c.name, s.resp.Status, c.want)
		}
		s.close()
	}
	if s := openStream(t, ts.URL, "/api/v1/workers/w01/assignments?heartbeat=1ms", tok1, ""); s.resp.StatusCode != http.StatusBadRequest {
		t.Errorf("heartbeat 1ms: %s, want 400", s.resp.Status)
	}

	// The snapshot: w01's active assignments.
	s := openStream(t, ts.URL, path("w01"), tok1, "")
	if s.resp.StatusCode != http.StatusOK || !strings.HasPrefix(s.resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %s %s", s.resp.Status, s.resp.Header.Get("Content-Type"))
	}
	var want []string
	if err := owner.SelectContext(ctx, &want, `SELECT task_id FROM paidan.assignment WHERE worker_id = 'w01' AND active ORDER BY task_id`); err != nil {
		t.Fatal(err)
	}
	ev := s.next(t)
	var snap struct {
		Worker      string                     `json:"worker"`
		Assignments []console.WorkerAssignment `json:"assignments"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &snap); err != nil || ev.Name != "snapshot" || ev.ID == "" {
		t.Fatalf("first event %+v (%v); want a snapshot with an id", ev, err)
	}
	if got := tasksOf(snap.Assignments); snap.Worker != "w01" || strings.Join(got, ",") != strings.Join(want, ",") || len(want) == 0 {
		t.Fatalf("snapshot tasks %v of %s; want %v", got, snap.Worker, want)
	}

	// Outlive the server's timeouts, then a run applied now reaches the
	// stream with w01's part only.
	time.Sleep(3 * time.Second)
	applyRun(t, owner, "north-r2", map[string]string{"r2-a": "w01", "r2-b": "w02", "r2-c": "w01"})
	ev = s.next(t)
	run := decodeRun(t, ev)
	if ev.Name != "assigned" || run.RunID != "north-r2" || strings.Join(tasksOf(run.Assignments), ",") != "r2-a,r2-c" {
		t.Fatalf("after north-r2: %+v; want assigned r2-a, r2-c", ev)
	}
	afterR2 := ev.ID
	// A run that gives w01 nothing sends nothing; a heartbeat follows.
	applyRun(t, owner, "north-r3", map[string]string{"r3-a": "w02"})
	beat := waitFor(t, s, "heartbeat")
	if beat.ID == "" {
		t.Error("heartbeat without an id")
	}
	s.close()

	// Runs applied while disconnected arrive on reconnection after
	// Last-Event-ID, once each, and no snapshot is sent.
	applyRun(t, owner, "north-r4", map[string]string{"r4-a": "w01"})
	applyRun(t, owner, "north-r5", map[string]string{"r5-a": "w01"})
	s = openStream(t, ts.URL, path("w01"), tok1, afterR2)
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("resume: %s", s.resp.Status)
	}
	for _, wantRun := range []string{"north-r4", "north-r5"} {
		ev := s.next(t)
		if r := decodeRun(t, ev); ev.Name != "assigned" || r.RunID != wantRun {
			t.Fatalf("resumed after north-r2: %+v; want %s", ev, wantRun)
		}
	}

	// Revoking the token ends the open stream and refuses a new one.
	if _, err := st.RevokeWorkerToken(ctx, shell, wt1.ID); err != nil {
		t.Fatal(err)
	}
	if ev := s.next(t); ev.Name != "revoked" {
		t.Errorf("after the revocation: %+v; want revoked", ev)
	}
	if _, ok := <-s.events; ok {
		t.Error("the stream went on after revoked")
	}
	if s := openStream(t, ts.URL, path("w01"), tok1, ""); s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %s, want 401", s.resp.Status)
	}
}

func waitFor(t *testing.T, s *sseStream, name string) sseEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended before a %s", name)
			}
			if ev.Name == name {
				return ev
			}
			t.Fatalf("event %+v before a %s", ev, name)
		case <-deadline:
			t.Fatalf("no %s within 20 s", name)
		}
	}
}

func decodeRun(t *testing.T, ev sseEvent) console.WorkerRun {
	t.Helper()
	var r console.WorkerRun
	if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
		t.Fatalf("event %+v: %v", ev, err)
	}
	return r
}

func tasksOf(as []console.WorkerAssignment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Task
	}
	return out
}
