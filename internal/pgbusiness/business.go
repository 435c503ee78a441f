// Package pgbusiness plays the business systems around paidan on a
// migrated PostgreSQL database, for "paidan demo" and soak tests.
package pgbusiness

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// BusinessChanges counts what one Business step did.
type BusinessChanges struct {
	Done, Cancelled, ShiftsEnded, ShiftsStarted int64
}

// Business plays the business systems around paidan on a migrated
// database, for demos and soak tests: each Step completes some assigned
// tasks, cancels some long-pending ones, and ends or starts some workers'
// shifts (their active flag), the way real systems write the tables
// paidan plans over. New tasks come from a generator and ingest/postgres.Seed.
// Fractions are of the rows in each state; zero changes nothing.
type Business struct {
	DB *sqlx.DB
	// DoneFraction of the assigned tasks are completed per step.
	DoneFraction float64
	// CancelFraction of the pending tasks are cancelled per step.
	CancelFraction float64
	// ShiftFraction of the workers end (active) or start (inactive) a
	// shift per step.
	ShiftFraction float64
}

// Step applies one round of changes in one transaction.
func (b *Business) Step(ctx context.Context) (BusinessChanges, error) {
	var c BusinessChanges
	tx, err := b.DB.BeginTxx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("business step: %w", err)
	}
	defer tx.Rollback()
	for _, s := range []struct {
		n    *int64
		sql  string
		frac float64
	}{
		{&c.Done, `UPDATE paidan.task SET status = 'done' WHERE status = 'assigned' AND random() < $1`, b.DoneFraction},
		{&c.Cancelled, `UPDATE paidan.task SET status = 'cancelled' WHERE status = 'pending' AND random() < $1`, b.CancelFraction},
		{&c.ShiftsEnded, `UPDATE paidan.worker SET active = false WHERE active AND random() < $1`, b.ShiftFraction},
		{&c.ShiftsStarted, `UPDATE paidan.worker SET active = true WHERE NOT active AND random() < $1`, b.ShiftFraction},
	} {
		res, err := tx.ExecContext(ctx, s.sql, s.frac)
		if err != nil {
			return c, fmt.Errorf("business step: %w", err)
		}
		if *s.n, err = res.RowsAffected(); err != nil {
			return c, fmt.Errorf("business step: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("business step: %w", err)
	}
	return c, nil
}
