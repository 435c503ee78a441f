package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// BacklogReader reads the pending work of every partition from DB: the one
// place that reads what a backlog is (backlog.sql, over the view
// paidan.partition_backlog). Its Read is a
// jobs.BacklogFunc, in standard types only.
type BacklogReader struct {
	DB sqlx.QueryerContext
}

// Read calls each once per partition with pending tasks, in partition
// order, with its pending tasks and how long the oldest has waited (0 for
// a task created in the future): one index scan of the pending tasks. It
// calls each only after the whole result has been read, so a failed read
// calls it for no partition. It is safe for concurrent use.
func (r BacklogReader) Read(ctx context.Context, each func(partition string, pending int, oldestAge time.Duration)) error {
	text, err := queries.ReadFile("backlog.sql")
	if err != nil {
		return err
	}
	var rows []struct {
		Partition string  `db:"partition"`
		Pending   int     `db:"pending"`
		OldestAge float64 `db:"oldest_age_s"`
	}
	if err := sqlx.SelectContext(ctx, r.DB, &rows, string(text)); err != nil {
		return fmt.Errorf("read backlog: %w", err)
	}
	for _, row := range rows {
		each(row.Partition, row.Pending, max(time.Duration(row.OldestAge*float64(time.Second)), 0))
	}
	return nil
}
