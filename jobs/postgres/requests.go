package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/jobs"
)

// RequestChannel is the channel an insert into paidan.run_request
// notifies (with the partition as payload).
const RequestChannel = "paidan_run_request"

// Requests is a jobs.RequestQueue and jobs.Heartbeat on
// paidan.run_request and paidan.scheduler_heartbeat. Scheduler names this
// scheduler in both (host:pid is a good name). Without Listen it takes
// requests at the schedule's ticks only.
type Requests struct {
	DB        *sqlx.DB
	Scheduler string

	mu       sync.Mutex
	wake     chan struct{}
	listener *pq.Listener
}

func (q *Requests) wakeChan() chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.wake == nil {
		q.wake = make(chan struct{}, 1)
	}
	return q.wake
}

// Listen starts listening on RequestChannel with a connection of its own
// to dsn (reconnecting by itself, 1s doubling up to a minute), so that
// Wake receives when a request is made, and on each reconnection, when
// a notification may have been missed. Close stops it.
func (q *Requests) Listen(dsn string) error {
	wake := q.wakeChan()
	l := pq.NewListener(dsn, time.Second, time.Minute, nil)
	if err := l.Listen(RequestChannel); err != nil {
		l.Close()
		return fmt.Errorf("listen %s: %w", RequestChannel, err)
	}
	q.mu.Lock()
	q.listener = l
	q.mu.Unlock()
	go func() {
		for range l.Notify {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return nil
}

// Close stops listening; Wake receives nothing more.
func (q *Requests) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.listener == nil {
		return nil
	}
	err := q.listener.Close()
	q.listener = nil
	return err
}

// Wake receives when a request may be waiting (jobs.RequestQueue).
func (q *Requests) Wake() <-chan struct{} { return q.wakeChan() }

// Claim takes the open requests of partitions (every partition when
// empty), oldest first, marking them claimed by q.Scheduler; requests
// another scheduler is claiming at the same moment are left to it.
func (q *Requests) Claim(ctx context.Context, partitions []string) ([]jobs.RunRequest, error) {
	var rows []struct {
		ID        int64  `db:"id"`
		Partition string `db:"partition"`
		By        string `db:"requested_by"`
	}
	err := q.DB.SelectContext(ctx, &rows, `UPDATE paidan.run_request SET claimed_by = $1, claimed_at = now()
		WHERE id IN (SELECT id FROM paidan.run_request
			WHERE claimed_at IS NULL AND (cardinality($2::text[]) = 0 OR partition = ANY ($2::text[]))
			ORDER BY id FOR UPDATE SKIP LOCKED)
		RETURNING id, partition, requested_by`, q.Scheduler, pq.StringArray(nonNil(partitions)))
	if err != nil {
		return nil, fmt.Errorf("claim from table paidan.run_request: %w", err)
	}
	out := make([]jobs.RunRequest, len(rows))
	for i, r := range rows {
		out[i] = jobs.RunRequest{ID: r.ID, Partition: r.Partition, By: r.By}
	}
	slices.SortFunc(out, func(a, b jobs.RunRequest) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Done records the run that served req and how it ended.
func (q *Requests) Done(ctx context.Context, req jobs.RunRequest, runID, outcome string) error {
	var run any
	if runID != "" {
		run = runID
	}
	if len(outcome) > 2000 {
		outcome = outcome[:2000]
	}
	if _, err := q.DB.ExecContext(ctx, `UPDATE paidan.run_request SET run_id = $2, outcome = $3, done_at = now() WHERE id = $1`,
		req.ID, run, outcome); err != nil {
		return fmt.Errorf("record request %d in table paidan.run_request: %w", req.ID, err)
	}
	return nil
}

// Beat records when the scheduler's next cycle starts (jobs.Heartbeat).
func (q *Requests) Beat(ctx context.Context, partitions []string, next time.Time) error {
	if _, err := q.DB.ExecContext(ctx, `INSERT INTO paidan.scheduler_heartbeat (scheduler, partitions, next_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (scheduler) DO UPDATE SET partitions = excluded.partitions, next_at = excluded.next_at, beat_at = now()`,
		q.Scheduler, pq.StringArray(nonNil(partitions)), next); err != nil {
		return fmt.Errorf("record heartbeat in table paidan.scheduler_heartbeat: %w", err)
	}
	return nil
}

// Forget deletes the scheduler's heartbeat row, when it stops.
func (q *Requests) Forget(ctx context.Context) error {
	if _, err := q.DB.ExecContext(ctx, `DELETE FROM paidan.scheduler_heartbeat WHERE scheduler = $1`, q.Scheduler); err != nil {
		return fmt.Errorf("delete heartbeat from table paidan.scheduler_heartbeat: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
