package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/jobs"
)

// Maintenance reads the announced maintenance windows of paidan.maintenance
// (migration 00040) for the scheduler (jobs.MaintenanceSource).
type Maintenance struct {
	DB *sqlx.DB
}

// ActiveMaintenance returns the windows not cancelled with
// starts_at <= now < ends_at, by id.
func (m *Maintenance) ActiveMaintenance(ctx context.Context, now time.Time) ([]jobs.MaintenanceWindow, error) {
	var rows []struct {
		ID        int64     `db:"id"`
		Partition *string   `db:"partition"`
		Start     time.Time `db:"starts_at"`
		End       time.Time `db:"ends_at"`
		Message   string    `db:"message"`
	}
	err := m.DB.SelectContext(ctx, &rows, `SELECT id, partition, starts_at, ends_at, message
		FROM paidan.maintenance
		WHERE cancelled_at IS NULL AND starts_at <= $1 AND ends_at > $1
		ORDER BY id`, now)
	if err != nil {
		return nil, fmt.Errorf("list active maintenance windows: %w", err)
	}
	out := make([]jobs.MaintenanceWindow, len(rows))
	for i, r := range rows {
		out[i] = jobs.MaintenanceWindow{ID: r.ID, Start: r.Start, End: r.End, Message: r.Message}
		if r.Partition != nil {
			out[i].Partition = *r.Partition
		}
	}
	return out, nil
}
