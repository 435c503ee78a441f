package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// recordAsOf sets run id's as_of, once: the write-back records and
// finishes the run in a transaction of its own, and a final run accepts
// no other change (run_guard, migration 00045). A zero asOf records
// nothing.
func recordAsOf(ctx context.Context, db *sqlx.DB, id string, asOf time.Time) error {
	if asOf.IsZero() {
		return nil
	}
	if _, err := db.ExecContext(ctx, `UPDATE paidan.run SET as_of = $2 WHERE id = $1 AND as_of IS NULL`, id, asOf); err != nil {
		return fmt.Errorf("record as_of of run %q: %w", id, err)
	}
	return nil
}
