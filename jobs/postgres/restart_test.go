package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSchedulerSurvivesServerRestart stops the server under a running
// scheduler and starts it again: the scheduler logs the failed cycles,
// backs off, and applies new work once the server is back, by itself.
func TestSchedulerSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	cl := pgtest.NewCluster(t)
	db := open(t, cl.URL())
	seed(t, db, "city", 200, 21)

	var logs syncBuffer
	r := newRunner(db, slog.New(slog.NewTextHandler(&logs, nil)))
	type cycle struct {
		results []*jobs.Result
		err     error
	}
	cycles := make(chan cycle, 1000)
	s := &jobs.Scheduler{
		Runner: r, Schedule: jobs.Every(20 * time.Millisecond),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		OnCycle: func(res []*jobs.Result, err error) { cycles <- cycle{res, err} },
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	// waitCycle waits for a cycle that satisfies ok, for at most a minute.
	waitCycle := func(what string, ok func(cycle) bool) {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case c := <-cycles:
				if ok(c) {
					return
				}
			case <-deadline:
				t.Fatalf("no cycle %s within a minute; log:\n%s", what, logs.String())
			}
		}
	}
	appliedOf := func(p string) func(cycle) bool {
		return func(c cycle) bool {
			for _, res := range c.results {
				if res.Partition == p && res.Status == paidan.RunApplied {
					return true
				}
			}
			return false
		}
	}
	waitCycle("applying city", appliedOf("city"))
	cl.Stop(t)
	waitCycle("failing while the server is down", func(c cycle) bool { return c.err != nil })
	cl.Start(t)
	// New work after the restart, through a fresh pool of the test's own.
	seed(t, open(t, cl.URL()), "town", 100, 22)
	waitCycle("applying town after the restart", appliedOf("town"))

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("scheduler: %v", err)
	}
	if !strings.Contains(logs.String(), "cycle failed; backing off") {
		t.Errorf("no backoff logged while the server was down:\n%s", logs.String())
	}
	checkNoDoubleWork(t, db)
}
