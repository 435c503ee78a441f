package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
)

var _ console.DeliveryRetrier = (*Store)(nil)

// RetryDelivery re-enqueues dead delivery job through
// paidan.retry_delivery (migration 00059), which audits delivery.retry
// in the same transaction: console.ErrNotFound when there is no such
// delivery, console.ErrConflict when it is not dead.
func (s *Store) RetryDelivery(ctx context.Context, by console.Actor, job int64) (string, error) {
	var key string
	err := s.DB.GetContext(ctx, &key, `SELECT paidan.retry_delivery($1, $2, $3)`, job, by.Name, by.Address)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "P0002":
			return "", fmt.Errorf("retry delivery %d: %w: no delivery job %d", job, console.ErrNotFound, job)
		case "55000":
			return "", fmt.Errorf("retry delivery %d: %w: %s", job, console.ErrConflict, pqErr.Message)
		}
	}
	if err != nil {
		return "", fmt.Errorf("retry delivery %d: %w", job, err)
	}
	return key, nil
}
