package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
)

// RequestRun records a request to run partition now and audits it
// (run.trigger) in the same transaction (console.RunRequester). The insert
// notifies the schedulers listening on channel paidan_run_request when the
// transaction commits.
func (s *Store) RequestRun(ctx context.Context, by console.Actor, partition, note string) (console.RunRequest, error) {
	var out console.RunRequest
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r struct {
			ID          int64     `db:"id"`
			Partition   string    `db:"partition"`
			RequestedBy string    `db:"requested_by"`
			RequestedAt time.Time `db:"requested_at"`
			Note        string    `db:"note"`
		}
		err := tx.GetContext(ctx, &r, query("run_request_insert"), partition, by.Name, note)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var open struct {
				ID          int64     `db:"id"`
				RequestedBy string    `db:"requested_by"`
				RequestedAt time.Time `db:"requested_at"`
			}
			switch err := tx.GetContext(ctx, &open, query("run_request_open"), partition); {
			case errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("%w: no task, worker or run of partition %q", console.ErrNotFound, partition)
			case err != nil:
				return err
			}
			return fmt.Errorf("%w: a run of partition %q is requested already (request %d by %s at %s, not yet taken by a scheduler)",
				console.ErrConflict, partition, open.ID, open.RequestedBy, open.RequestedAt.UTC().Format(time.RFC3339))
		case isCheck(err):
			return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
		case err != nil:
			return err
		}
		out = console.RunRequest{ID: r.ID, Partition: r.Partition, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, Note: r.Note}
		type requestAudit struct {
			Request int64  `json:"request"`
			Note    string `json:"note,omitempty"`
		}
		return audit(ctx, tx, by, "run.trigger", "partition:"+partition, nil, requestAudit{Request: r.ID, Note: note})
	})
	if err != nil {
		return console.RunRequest{}, fmt.Errorf("request a run of partition %q: %w", partition, err)
	}
	return out, nil
}
