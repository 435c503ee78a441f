package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestPushPostgresRestart: "paidan worker --queues plan,deliver" plans and
// delivers while the PostgreSQL server is stopped and started twice: once
// while deliveries are in flight at the receiver (asserted), once while a
// plan job is running (asserted). The worker rides both out. Afterwards
// every applied run was delivered to the run subscriber and every
// assignment of an applied run to the single-event subscriber (0 lost),
// nothing else was delivered (0 phantom), every signature verified, and
// the dispatch invariants hold.
func TestPushPostgresRestart(t *testing.T) {
	t.Parallel()
	cl := pgtest.NewCluster(t)
	dsn := cl.URL()
	seedCLI(t, dsn, "north", 600)
	owner := openTest(t, dsn)
	// Deliveries take 300 ms at the receiver, so that a stop lands while
	// some are in flight.
	hook := newHookServer(t, 300*time.Millisecond)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(pushSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"subscriber", "add", "app", "--db", dsn, "--url", hook.srv.URL + "/runs", "--events", "assigned,reassigned,unassigned", "--secret-file", secretFile},
		{"subscriber", "add", "tasks", "--db", dsn, "--url", hook.srv.URL + "/tasks", "--events", "assigned,reassigned", "--single", "--secret-file", secretFile},
	} {
		if _, stderr, code := runCLI(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
	}
	subs := map[string]int64{}
	for _, name := range []string{"app", "tasks"} {
		var id int64
		if err := owner.Get(&id, `SELECT id FROM paidan.subscriber WHERE name = $1`, name); err != nil {
			t.Fatal(err)
		}
		subs[name] = id
	}
	bin := buildPaidan(t)
	var log lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	w := exec.Command(bin, "worker", "--db", runtimeDSN(t, owner, dsn, "paidan-restart-test"), "--queues", "plan,deliver",
		"--every", "1s", "--deliverers", "8", "--metrics-addr", "", "--delivery-timeout", "5s",
		"--delivery-rescue-after", "10s", "--log-level", "warn")
	w.Stdout, w.Stderr = &log, &log
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.ProcessState == nil {
			w.Process.Kill()
			w.Wait()
		}
	})
	start := time.Now()
	restart := func(what string) {
		t.Helper()
		cl.Stop(t)
		t.Logf("%s: server stopped %s", time.Since(start).Round(time.Millisecond), what)
		time.Sleep(2 * time.Second)
		cl.Start(t)
		owner.DB.SetMaxIdleConns(0) // the pool's connections died with the server
		owner.DB.SetMaxIdleConns(2)
	}

	// Fault 1: stop the server while deliveries are in flight.
	waitUntil(t, 60*time.Second, "deliveries in flight after some were made", func() bool {
		got, _, inFlight := hook.state()
		return len(got) >= 5 && inFlight > 0
	})
	restart("with deliveries in flight")

	// Fault 2: new tasks, and stop the server while their plan job runs.
	waitUntil(t, 60*time.Second, "the database back", func() bool { return owner.Ping() == nil })
	if _, err := owner.Exec(`UPDATE paidan.worker SET capacity = capacity + 20 WHERE partition = 'north'`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(`INSERT INTO paidan.task (id, partition, region, skills, lat, lon)
		SELECT 'late-' || row_number() OVER (), 'north', region, skills, lat, lon
		FROM (SELECT region, skills, lat, lon FROM paidan.task WHERE partition = 'north' ORDER BY id LIMIT 150) x`); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "a plan job running", func() bool {
		var n int
		owner.Get(&n, `SELECT count(*) FROM paidan_river.river_job WHERE kind = 'paidan_plan' AND state = 'running'`)
		return n > 0
	})
	restart("with a plan job running")
	hook.setDelay(20 * time.Millisecond) // the faults are over: deliver the rest quickly

	// Every late task is planned once the server is back.
	waitUntil(t, 60*time.Second, "the database back", func() bool { return owner.Ping() == nil })
	waitUntil(t, 90*time.Second, "a run applied after the second restart that planned the late tasks", func() bool {
		var n int
		owner.Get(&n, `SELECT count(*) FROM paidan.assignment WHERE task_id LIKE 'late-%'`)
		return n > 0
	})
	want := expectedDeliveries(t, owner, subs)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		var states []string
		owner.Select(&states, `SELECT kind || ' ' || state || ' ' || count(*) FROM paidan_river.river_job GROUP BY kind, state`)
		got, _, _ := hook.state()
		var missing []string
		for k := range want {
			if got[k] == 0 {
				missing = append(missing, k)
			}
		}
		var runs []string
		owner.Select(&runs, `SELECT id || ' ' || status || ' ' || assigned FROM paidan.run ORDER BY started_at`)
		t.Logf("jobs by state %v; %d of %d deliveries missing, e.g. %.5q; runs %v", states, len(missing), len(want), missing[:min(5, len(missing))], runs)
		var sample []string
		owner.Select(&sample, `SELECT state || ' attempt ' || attempt || ' in ' || (scheduled_at - now())::text || ' ' || COALESCE(errors[array_length(errors, 1)]->>'error', '-')
			|| ' by ' || COALESCE(array_to_string(attempted_by, ','), '') FROM paidan_river.river_job WHERE kind = 'paidan_deliver' AND state IN ('available', 'running') ORDER BY id LIMIT 8`)
		t.Logf("deliveries not done: %q", sample)
		b0 := hook.byKeySnapshot()
		time.Sleep(5 * time.Second)
		var fresh []string
		for k, n := range hook.byKeySnapshot() {
			if n > b0[k] {
				fresh = append(fresh, fmt.Sprintf("%s x%d (before %d)", k, n-b0[k], b0[k]))
			}
		}
		var conns []string
		owner.Select(&conns, `SELECT state || ' ' || left(query, 80) FROM pg_stat_activity WHERE application_name = 'paidan-restart-test'`)
		t.Logf("received in 5 s: %d keys, e.g. %q; worker connections %q", len(fresh), fresh[:min(6, len(fresh))], conns)
		_, bad, inFlight := hook.state()
		t0 := time.Now()
		resp, err := http.Post(hook.srv.URL+"/probe", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		t.Logf("receiver: %d in flight, %d bad; a probe answered in %s (%v)", inFlight, bad, time.Since(t0), err)
		// PAIDAN_TEST_DUMP=FILE: the worker's log and goroutines (SIGQUIT)
		// go to FILE, to see where a stalled worker waits.
		if dump := os.Getenv("PAIDAN_TEST_DUMP"); dump != "" && w.ProcessState == nil {
			w.Process.Signal(syscall.SIGQUIT)
			time.Sleep(2 * time.Second)
			os.WriteFile(dump, []byte(log.String()), 0o600)
		}
	})
	waitUntil(t, 90*time.Second, "every applied run delivered", func() bool {
		want = expectedDeliveries(t, owner, subs)
		got, _, _ := hook.state()
		for k := range want {
			if got[k] == 0 {
				return false
			}
		}
		return true
	})
	w.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker exited with %v after SIGTERM", err)
		}
	case <-time.After(40 * time.Second):
		w.Process.Kill()
		t.Fatal("worker still running 40s after SIGTERM")
	}
	want = expectedDeliveries(t, owner, subs)
	got, bad, _ := hook.state()
	repeats := 0
	for k, n := range got {
		if !want[k] {
			t.Errorf("phantom delivery %s", k)
		}
		repeats += n - 1
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("lost delivery %s", k)
		}
	}
	if bad != 0 {
		t.Errorf("%d requests failed the signature check", bad)
	}
	var runs, failed int
	owner.Get(&runs, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`)
	owner.Get(&failed, `SELECT count(*) FROM paidan.run WHERE status <> 'applied'`)
	t.Logf("%s: %d applied runs (%d others), %d deliveries, 0 lost, 0 phantom, %d repeated", time.Since(start).Round(time.Millisecond),
		runs, failed, len(want), repeats)
	if err := exportpg.CheckInvariants(context.Background(), owner); err != nil {
		t.Error(err)
	}
}

// expectedDeliveries returns the deliveries that the committed decisions
// call for, keyed as hookServer.state reports them: run/app for every
// applied run with an event (an assignment, a task left out or a
// refusal), run/tasks/task for every assignment of an applied run.
func expectedDeliveries(t *testing.T, owner *sqlx.DB, subs map[string]int64) map[string]bool {
	t.Helper()
	var keys []string
	err := owner.Select(&keys, `
		SELECT r.id || '/' || $1::text FROM paidan.run r
		WHERE r.status = 'applied' AND (r.assigned > 0 OR r.conflicts > 0
		   OR EXISTS (SELECT FROM paidan.unassigned u WHERE u.run_id = r.id))
		UNION ALL
		SELECT a.run_id || '/' || $2::text || '/' || a.task_id
		FROM paidan.assignment a JOIN paidan.run r ON r.id = a.run_id AND r.status = 'applied'`,
		subs["app"], subs["tasks"])
	if err != nil {
		t.Fatalf("expected deliveries: %v", err)
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	if len(out) == 0 || !strings.Contains(strings.Join(keys, " "), "/") {
		t.Fatal("no delivery expected: the test planned nothing")
	}
	return out
}

// byKeySnapshot returns the deliveries received by full key.
func (h *hookServer) byKeySnapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.byKey))
	for k, v := range h.byKey {
		out[k] = v
	}
	return out
}
