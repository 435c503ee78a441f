package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Schedule says when the next cycle starts after a given time. A
// github.com/robfig/cron/v3 Schedule satisfies it, as does Every.
type Schedule interface {
	Next(time.Time) time.Time
}

// Every is a Schedule with a fixed interval: Next(t) is t + the interval.
// It must be positive.
type Every time.Duration

// Next returns t plus the interval.
func (e Every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// Scheduler runs cycles of runs on a Schedule until its context ends.
// Runner and Schedule are required; the other fields' zero values work.
//
// Cycles never overlap: a cycle runs its partitions one after another, and
// the next cycle starts at Schedule.Next(start of the previous cycle), or,
// when the previous cycle ran past that, at Schedule.Next(its end): missed
// ticks are dropped, not made up. A cycle that fails (the partitions cannot
// be listed, or a run failed: typically the database is unreachable) is
// retried after a backoff, from MinBackoff doubling up to MaxBackoff, or at
// the next tick if that comes first; the first cycle that succeeds resets
// the backoff. The database pool reconnects by itself, so a restarted
// server is picked up without intervention.
type Scheduler struct {
	Runner   *Runner
	Schedule Schedule
	// Partitions are the partitions each cycle runs. Empty means every
	// partition with pending tasks (Source.Partitions).
	Partitions []string
	// MinBackoff is the first delay after a failed cycle. Zero means 1s.
	MinBackoff time.Duration
	// MaxBackoff caps the delay after failed cycles. Zero means 1 minute.
	MaxBackoff time.Duration
	// RunAtStart runs the first cycle at once instead of at the
	// schedule's first tick.
	RunAtStart bool
	// Maintenance, when set, lists the announced maintenance windows: a
	// cycle skips the partitions an active window covers and runs them
	// again once it has ended (see maintenance.go). Nil skips nothing.
	Maintenance MaintenanceSource
	// Requests, when set, are run requests made in the console: the
	// scheduler takes them at every tick and whenever Requests.Wake
	// receives, between cycles (see request.go). Nil takes none.
	Requests RequestQueue
	// Heartbeat, when set, records when each next cycle starts. Nil
	// records nothing.
	Heartbeat Heartbeat
	// OnCycle, when set, is called after every cycle with its results and
	// error (nil when every run applied or skipped), from the scheduler's
	// goroutine.
	OnCycle func(results []*Result, err error)
}

// Run runs cycles until ctx ends, then returns nil. Cancelling ctx during
// a run cancels that run: its write-back rolls back (or had committed), its
// failure is recorded, and Run returns. It returns an error only for an
// invalid Scheduler.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.Runner == nil || s.Schedule == nil {
		return errors.New("jobs: scheduler without Runner or Schedule")
	}
	if err := s.Runner.Validate(); err != nil {
		return err
	}
	minB, maxB := s.MinBackoff, s.MaxBackoff
	if minB <= 0 {
		minB = time.Second
	}
	if maxB <= 0 {
		maxB = time.Minute
	}
	log := s.Runner.logger()
	backoff := time.Duration(0)
	next := s.Schedule.Next(s.Runner.now())
	if s.RunAtStart {
		next = s.Runner.now()
	}
	var wake <-chan struct{}
	if s.Requests != nil {
		wake = s.Requests.Wake()
	}
	for {
		s.beat(ctx, next)
		wait := next.Sub(s.Runner.now())
		if backoff > 0 && backoff < wait {
			wait = backoff
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			log.Info("scheduler stopped", "err", context.Cause(ctx))
			return nil
		case <-wake:
			t.Stop()
			if err := s.serveRequests(ctx); err != nil && ctx.Err() == nil {
				log.Warn("serving run requests failed", "stage", "schedule", "err", err)
			}
			continue
		case <-t.C:
		}

		start := s.Runner.now()
		if err := s.serveRequests(ctx); err != nil && ctx.Err() == nil {
			log.Warn("serving run requests failed", "stage", "schedule", "err", err)
		}
		results, err := s.cycle(ctx)
		if s.OnCycle != nil {
			s.OnCycle(results, err)
		}
		if ctx.Err() != nil {
			log.Info("scheduler stopped", "err", context.Cause(ctx))
			return nil
		}
		end := s.Runner.now()
		if err != nil {
			backoff = min(max(2*backoff, minB), maxB)
			log.Warn("cycle failed; backing off", "stage", "schedule", "duration", end.Sub(start), "backoff", backoff, "err", err)
		} else {
			backoff = 0
			log.Info("cycle done", "stage", "schedule", "duration", end.Sub(start), "runs", len(results))
		}
		if next = s.Schedule.Next(start); !next.After(end) {
			next = s.Schedule.Next(end)
		}
	}
}

// cycle runs the configured partitions, or every partition with work.
func (s *Scheduler) cycle(ctx context.Context) ([]*Result, error) {
	parts := s.Partitions
	if len(parts) == 0 {
		var err error
		if parts, err = s.Runner.Source.Partitions(ctx); err != nil {
			return nil, fmt.Errorf("list partitions: %w", err)
		}
	}
	parts, err := s.outsideMaintenance(ctx, parts)
	if err != nil {
		return nil, err
	}
	return s.Runner.RunEach(ctx, parts)
}
