package postgres

import (
	"context"

	"github.com/paidan/paidan/console"
	jobsriver "github.com/paidan/paidan/jobs/river"
)

var _ console.DeliveryStore = (*Store)(nil)

// DeadDeliveries lists the newest limit push deliveries River discarded
// (schema paidan_river, migration 00050), with their subscribers' names
// (jobs/river.DeadDeliveries).
func (s *Store) DeadDeliveries(ctx context.Context, limit int) ([]console.DeadDelivery, error) {
	dead, err := jobsriver.DeadDeliveries(ctx, s.DB, limit)
	if err != nil {
		return nil, err
	}
	out := make([]console.DeadDelivery, len(dead))
	for i, d := range dead {
		out[i] = console.DeadDelivery{JobID: d.JobID, Subscriber: d.SubscriberName, Key: d.Key, RunID: d.RunID,
			Partition: d.Partition, Attempts: d.Attempts, LastError: d.LastError, DiedAt: d.DiedAt}
	}
	return out, nil
}
