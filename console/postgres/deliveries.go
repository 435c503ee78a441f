package postgres

import (
	"context"
	"fmt"

	"github.com/paidan/paidan/console"
)

var _ console.DeliveryStore = (*Store)(nil)

// DeadDeliveries lists the newest limit push deliveries River discarded
// (schema paidan_river, migration 00050), with their subscribers' names.
func (s *Store) DeadDeliveries(ctx context.Context, limit int) ([]console.DeadDelivery, error) {
	rows, err := s.DB.QueryxContext(ctx, `
SELECT j.id, COALESCE(s.name, '#' || (j.args->>'subscriber')), j.args->>'key', j.args->>'run_id',
       j.args->>'partition', j.attempt, COALESCE(j.errors[array_length(j.errors, 1)]->>'error', ''), j.finalized_at
FROM paidan_river.river_job j
LEFT JOIN paidan.subscriber s ON s.id = (j.args->>'subscriber')::bigint
WHERE j.kind = 'paidan_deliver' AND j.state = 'discarded'
ORDER BY j.finalized_at DESC, j.id DESC
LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead deliveries: %w", err)
	}
	defer rows.Close()
	var out []console.DeadDelivery
	for rows.Next() {
		var d console.DeadDelivery
		if err := rows.Scan(&d.JobID, &d.Subscriber, &d.Key, &d.RunID, &d.Partition, &d.Attempts, &d.LastError, &d.DiedAt); err != nil {
			return nil, fmt.Errorf("list dead deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead deliveries: %w", err)
	}
	return out, nil
}
