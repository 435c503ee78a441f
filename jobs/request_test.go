package jobs_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/jobs"
)

// fakeQueue hands out its requests once, wakes the scheduler on request,
// and records outcomes and heartbeats.
type fakeQueue struct {
	mu      sync.Mutex
	open    []jobs.RunRequest
	done    map[int64]string // request id -> run id + " " + outcome
	beats   []time.Time
	claimed [][]string // partitions asked for, per claim
	wake    chan struct{}
}

func (q *fakeQueue) Claim(_ context.Context, partitions []string) ([]jobs.RunRequest, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.claimed = append(q.claimed, partitions)
	out := q.open
	q.open = nil
	return out, nil
}

func (q *fakeQueue) Done(_ context.Context, req jobs.RunRequest, runID, outcome string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.done[req.ID] = runID + " " + outcome
	return nil
}

func (q *fakeQueue) Wake() <-chan struct{} { return q.wake }

func (q *fakeQueue) Beat(_ context.Context, _ []string, next time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.beats = append(q.beats, next)
	return nil
}

// TestSchedulerServesRequestsBetweenTicks: with its next tick an hour
// away, a scheduler woken by its queue runs the requested partitions at
// once (each recorded with its run), skips one in a maintenance window (saying so in the outcome), and
// records its next tick (an hour ahead) before waiting.
func TestSchedulerServesRequestsBetweenTicks(t *testing.T) {
	t.Parallel()
	r, _, _ := newRunner(t, &fakeWriter{})
	r.Source = &fakeSource{batches: map[string]*paidan.Batch{
		"north": datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 3}),
		"south": datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 4}),
	}}
	q := &fakeQueue{done: map[int64]string{}, wake: make(chan struct{}, 1),
		open: []jobs.RunRequest{{ID: 1, Partition: "north", By: "account:ann"}, {ID: 2, Partition: "south", By: "account:bob"}}}
	m := &fakeMaintenance{windows: []jobs.MaintenanceWindow{{ID: 7, Partition: "south", Message: "upgrade"}}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := &jobs.Scheduler{Runner: r, Schedule: jobs.Every(time.Hour), Partitions: []string{"north", "south"},
		Maintenance: m, Requests: q, Heartbeat: q}
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	q.wake <- struct{}{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.mu.Lock()
		n := len(q.done)
		q.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the requests were not served within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got := q.done[1]; strings.HasPrefix(got, " ") || !(strings.Contains(got, " applied: ") || strings.Contains(got, " skipped: nothing to assign")) {
		t.Errorf("request 1: %q, want the recorded run's id and how it ended", got)
	}
	if got := q.done[2]; got != " skipped: in a maintenance window" {
		t.Errorf("request 2: %q, want skipped in a maintenance window, no run", got)
	}
	if len(q.claimed) == 0 || !slices.Equal(q.claimed[0], []string{"north", "south"}) {
		t.Errorf("claims %v, want the scheduler's partitions", q.claimed)
	}
	if len(q.beats) == 0 || q.beats[0].Sub(start) < 59*time.Minute {
		t.Errorf("heartbeats %v, want the next tick an hour ahead", q.beats)
	}
}
