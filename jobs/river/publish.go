package river

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
	rq "github.com/riverqueue/river"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/push"
)

// NotifyChannel is the PostgreSQL channel on which every applied run is
// announced, as {"run_id": ..., "partition": ...}, when its write-back
// commits (LISTEN paidan_run_applied).
const NotifyChannel = "paidan_run_applied"

// Publisher enqueues the deliveries of applied runs inside their
// write-back transactions, and announces each run on NotifyChannel. It
// implements jobs/postgres.Publisher.
type Publisher struct {
	Client *Client
}

// PublishTx enqueues, in tx, the deliveries of the run that tx has just
// applied: for each subscriber, one job carrying the run's events of the
// kinds it asked for, or one job per such event when it asked for single
// events. A subscriber that asked for no event the run has gets nothing.
// plan and batch are the run's; refused maps each refused task to its
// conflict kind. Nothing is enqueued unless tx commits.
func (p *Publisher) PublishTx(ctx context.Context, tx *sql.Tx, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch, refused map[paidan.TaskID]string) error {
	// Low-latency consumers LISTEN; PostgreSQL sends the notification
	// when, and only if, tx commits.
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, json_build_object('run_id', $2::text, 'partition', $3::text)::text)`,
		NotifyChannel, run.ID, batch.Partition); err != nil {
		return fmt.Errorf("publish run %q: notify: %w", run.ID, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, events, single, now() FROM paidan.subscriber ORDER BY id`)
	if err != nil {
		return fmt.Errorf("publish run %q: read subscribers: %w", run.ID, err)
	}
	type sub struct {
		id     int64
		kinds  []push.Kind
		single bool
	}
	var (
		subs []sub
		now  time.Time
	)
	for rows.Next() {
		var (
			s     sub
			kinds pq.StringArray
		)
		if err := rows.Scan(&s.id, &kinds, &s.single, &now); err != nil {
			rows.Close()
			return fmt.Errorf("publish run %q: read subscribers: %w", run.ID, err)
		}
		for _, k := range kinds {
			s.kinds = append(s.kinds, push.Kind(k))
		}
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("publish run %q: read subscribers: %w", run.ID, err)
	}
	if len(subs) == 0 {
		return nil
	}
	events := push.Events(plan, batch, refused)
	opts := &rq.InsertOpts{Queue: QueueDeliver, MaxAttempts: p.Client.opts.maxAttempts()}
	var params []rq.InsertManyParams
	for _, s := range subs {
		mine := push.Filter(events, s.kinds)
		if len(mine) == 0 {
			continue
		}
		args := DeliverArgs{Subscriber: s.id, RunID: run.ID, Partition: batch.Partition, AppliedAt: now.UTC()}
		if !s.single {
			args.Key = fmt.Sprintf("%s/%d", run.ID, s.id)
			args.Events = mine
			params = append(params, rq.InsertManyParams{Args: args, InsertOpts: opts})
			continue
		}
		for _, e := range mine {
			a := args
			a.Key = fmt.Sprintf("%s/%d/%s/%s", run.ID, s.id, e.Task, e.Kind)
			a.Events = []push.Event{e}
			params = append(params, rq.InsertManyParams{Args: a, InsertOpts: opts})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := p.Client.rc.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("publish run %q: enqueue %d deliveries: %w", run.ID, len(params), err)
	}
	return nil
}
