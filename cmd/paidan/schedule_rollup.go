package main

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/jobs"
	reportpg "github.com/paidan/paidan/report/postgres"
)

// rollupAfterCycles returns the scheduler's background rollup: after each
// cycle it rolls up the runs applied since the last (reportpg.RollUp), on
// a connection of its own and beside the next cycle, so that a report
// finds the month rolled up already. A rollup still running when the next
// cycle ends is not started again.
func rollupAfterCycles(db *sqlx.DB, log *slog.Logger) *jobs.Background {
	return &jobs.Background{Name: "rollup", Logger: log, Work: func(ctx context.Context) error {
		_, err := reportpg.RollUp(ctx, db)
		return err
	}}
}
