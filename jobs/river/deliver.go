package river

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	rq "github.com/riverqueue/river"

	"github.com/paidan/paidan/push"
)

// KindDeliver is the River job kind of a delivery.
const KindDeliver = "paidan_deliver"

// DeliverArgs is one delivery to one subscriber: the events of an applied
// run it asked for (one event for a single-event subscriber).
type DeliverArgs struct {
	Subscriber int64        `json:"subscriber"`
	Key        string       `json:"key"`
	RunID      string       `json:"run_id"`
	Partition  string       `json:"partition"`
	AppliedAt  time.Time    `json:"applied_at"`
	Events     []push.Event `json:"events"`
}

// Kind is KindDeliver.
func (DeliverArgs) Kind() string { return KindDeliver }

// deliverWorker posts deliveries.
type deliverWorker struct {
	rq.WorkerDefaults[DeliverArgs]
	db     *sql.DB
	sender *push.Sender
	logger *slog.Logger
}

// Work reads the subscriber's URL and secret, then posts the delivery. A
// subscriber removed since the enqueue cancels the job; any other failure
// returns an error, which River retries with the Backoff.
func (w *deliverWorker) Work(ctx context.Context, job *rq.Job[DeliverArgs]) error {
	a := job.Args
	var (
		url    string
		secret []byte
	)
	err := w.db.QueryRowContext(ctx, `SELECT url, secret FROM paidan.subscriber WHERE id = $1`, a.Subscriber).Scan(&url, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		w.logger.Info("delivery cancelled: its subscriber was removed", "run_id", a.RunID, "subscriber", a.Subscriber, "key", a.Key)
		return rq.JobCancel(fmt.Errorf("subscriber %d was removed", a.Subscriber))
	}
	if err != nil {
		return fmt.Errorf("read subscriber %d: %w", a.Subscriber, err)
	}
	body, err := json.Marshal(push.Delivery{Key: a.Key, Sequence: job.ID, RunID: a.RunID, Partition: a.Partition,
		AppliedAt: a.AppliedAt, Events: a.Events})
	if err != nil {
		return fmt.Errorf("encode delivery %s: %w", a.Key, err)
	}
	start := time.Now()
	if err := w.sender.Send(ctx, url, secret, a.Key, body); err != nil {
		w.logger.Warn("delivery failed", "run_id", a.RunID, "subscriber", a.Subscriber, "key", a.Key,
			"attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err)
		return err
	}
	w.logger.Debug("delivered", "run_id", a.RunID, "subscriber", a.Subscriber, "key", a.Key,
		"attempt", job.Attempt, "duration", time.Since(start))
	return nil
}
