package river

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Errors of RetryDelivery.
var (
	// ErrNoDelivery: no delivery job has the id.
	ErrNoDelivery = errors.New("jobs/river: no such delivery")
	// ErrNotDead: the delivery is not dead (queued, running, done, or
	// retried already).
	ErrNotDead = errors.New("jobs/river: the delivery is not dead")
)

// RetryDelivery puts dead delivery job back into its queue for one more
// attempt and appends delivery.retry by actor (from address, "" from the
// shell) to paidan.audit in the same transaction, through
// paidan.retry_delivery (migration 00059), and returns its idempotency
// key: the receiver gets the same key as on the failed attempts. db must
// connect as the schema owner or a member of paidan_console.
func RetryDelivery(ctx context.Context, db sqlx.QueryerContext, actor, address string, job int64) (string, error) {
	var key string
	err := sqlx.GetContext(ctx, db, &key, `SELECT paidan.retry_delivery($1, $2, $3)`, job, actor, address)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "P0002":
			return "", fmt.Errorf("retry delivery %d: %w", job, ErrNoDelivery)
		case "55000":
			return "", fmt.Errorf("retry delivery %d: %w: %s", job, ErrNotDead, pqErr.Message)
		}
	}
	if err != nil {
		return "", fmt.Errorf("retry delivery %d: %w", job, err)
	}
	return key, nil
}
