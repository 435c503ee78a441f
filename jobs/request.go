package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/paidan/paidan"
)

// RunRequest is a request, made in the console, to run a partition now.
type RunRequest struct {
	ID        int64
	Partition string
	By        string // who asked (an audit actor)
}

// RequestQueue is where a Scheduler takes run requests from (jobs/postgres
// implements it on paidan.run_request).
type RequestQueue interface {
	// Claim takes the open requests of partitions (every partition when
	// empty) for this scheduler; a request is claimed by one scheduler.
	Claim(ctx context.Context, partitions []string) ([]RunRequest, error)
	// Done records how the run that served req ended.
	Done(ctx context.Context, req RunRequest, runID, outcome string) error
	// Wake receives when a request may be waiting; nil when requests
	// are only taken at the schedule's ticks.
	Wake() <-chan struct{}
}

// Heartbeat records when a scheduler's next cycle starts, for the
// console's partitions page (jobs/postgres implements it on
// paidan.scheduler_heartbeat).
type Heartbeat interface {
	Beat(ctx context.Context, partitions []string, next time.Time) error
}

// serveRequests claims the open run requests and runs their partitions,
// one after another, outside maintenance windows and unless paused (as a
// cycle would), recording each request's outcome. An error claiming stops
// it; a failed run is recorded in its request and logged.
func (s *Scheduler) serveRequests(ctx context.Context) error {
	if s.Requests == nil {
		return nil
	}
	reqs, err := s.Requests.Claim(ctx, s.Partitions)
	if err != nil {
		return fmt.Errorf("claim run requests: %w", err)
	}
	log := s.Runner.logger()
	for _, req := range reqs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Info("run requested", "stage", "schedule", "partition", req.Partition, "request", req.ID, "by", req.By)
		runID, outcome := "", ""
		parts, err := s.outsideMaintenance(ctx, []string{req.Partition})
		switch {
		case err != nil:
			outcome = "failed: " + err.Error()
		case len(parts) == 0:
			outcome = "skipped: in a maintenance window"
		default:
			results, err := s.Runner.RunEach(ctx, parts)
			switch {
			case len(results) == 0 && err != nil:
				outcome = "failed: " + err.Error()
			case len(results) == 0:
				outcome = "skipped: partition paused"
			default:
				res := results[0]
				if res.Recorded {
					runID = res.RunID
				}
				outcome = res.Outcome()
			}
		}
		if err := s.Requests.Done(context.WithoutCancel(ctx), req, runID, outcome); err != nil {
			log.Warn("recording a run request's outcome failed", "stage", "schedule", "request", req.ID, "err", err)
		}
	}
	return nil
}

// Outcome says in a few words how the run ended: "applied: N assigned",
// "skipped: REASON" or "failed: ERROR", as a run request records it.
func (res *Result) Outcome() string {
	switch res.Status {
	case paidan.RunApplied:
		return fmt.Sprintf("applied: %d assigned", res.Assigned)
	case paidan.RunSkipped:
		return "skipped: " + res.Reason
	}
	if res.Err != nil {
		return "failed: " + res.Err.Error()
	}
	return "failed"
}

// beat records the next cycle's start; a failure is logged, never fatal.
func (s *Scheduler) beat(ctx context.Context, next time.Time) {
	if s.Heartbeat == nil {
		return
	}
	if err := s.Heartbeat.Beat(ctx, s.Partitions, next); err != nil {
		s.Runner.logger().Warn("recording the scheduler's heartbeat failed", "stage", "schedule", "err", err)
	}
}
