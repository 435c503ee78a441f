package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/paidan/paidan/jobs"
)

// pauseRow is a row of paidan.partition_pause.
type pauseRow struct {
	Partition string    `db:"partition"`
	PausedBy  string    `db:"paused_by"`
	PausedAt  time.Time `db:"paused_at"`
	Note      string    `db:"note"`
}

// Paused lists the partitions paused in the console (the table
// paidan.partition_pause, which the console's pause and resume write), in
// name order (jobs.PauseLister).
func (s *Source) Paused(ctx context.Context) ([]jobs.Pause, error) {
	var rows []pauseRow
	err := s.DB.SelectContext(ctx, &rows, `SELECT partition, paused_by, paused_at, note
		FROM paidan.partition_pause ORDER BY partition`)
	if err != nil {
		return nil, fmt.Errorf("read table paidan.partition_pause: %w", err)
	}
	out := make([]jobs.Pause, len(rows))
	for i, r := range rows {
		out[i] = jobs.Pause{Partition: r.Partition, By: r.PausedBy, At: r.PausedAt, Note: r.Note}
	}
	return out, nil
}
