package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Backlog is the pending work of one partition now.
type Backlog struct {
	Partition string
	Pending   int
	OldestAge time.Duration // the oldest pending task's wait; 0 for a task created in the future
}

// ReadBacklog returns the backlog of every partition with pending tasks, in
// partition order (one index scan of the pending tasks). It is safe for
// concurrent use.
func ReadBacklog(ctx context.Context, db sqlx.QueryerContext) ([]Backlog, error) {
	text, err := queries.ReadFile("backlog.sql")
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Partition string  `db:"partition"`
		Pending   int     `db:"pending"`
		OldestAge float64 `db:"oldest_age_s"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, string(text)); err != nil {
		return nil, fmt.Errorf("read backlog: %w", err)
	}
	out := make([]Backlog, len(rows))
	for i, r := range rows {
		out[i] = Backlog{Partition: r.Partition, Pending: r.Pending,
			OldestAge: max(time.Duration(r.OldestAge*float64(time.Second)), 0)}
	}
	return out, nil
}
