package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
)

// SetPin pins pending task taskID to worker, or unpins it when worker is
// "", and audits it (task.pin, task.unpin). An unknown task or worker
// returns an error wrapping console.ErrNotFound; a task that is not
// pending, or a worker of another partition, console.ErrConflict.
func (s *Store) SetPin(ctx context.Context, by console.Actor, taskID, worker string) (console.TaskFacts, error) {
	var out console.TaskFacts
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r taskRow
		if err := tx.GetContext(ctx, &r, query("task_lock"), taskID); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no task %q", console.ErrNotFound, taskID)
		} else if err != nil {
			return err
		}
		if r.Status != "pending" {
			return fmt.Errorf("%w: task %q is %s; only pending tasks are pinned or unpinned", console.ErrConflict, taskID, r.Status)
		}
		var pin any
		action := "task.unpin"
		if worker != "" {
			var part string
			if err := tx.GetContext(ctx, &part, query("worker_partition"), worker); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no worker %q", console.ErrNotFound, worker)
			} else if err != nil {
				return err
			}
			if part != r.Partition {
				return fmt.Errorf("%w: worker %q is in partition %q, task %q in %q", console.ErrConflict, worker, part, taskID, r.Partition)
			}
			pin, action = worker, "task.pin"
		}
		if _, err := tx.ExecContext(ctx, query("task_pin"), taskID, pin); err != nil {
			return err
		}
		var after taskRow
		if err := tx.GetContext(ctx, &after, query("task_get"), taskID); err != nil {
			return err
		}
		out = after.facts()
		type pinAudit struct {
			PinnedWorker string `json:"pinned_worker"`
			Version      int64  `json:"version"`
		}
		return audit(ctx, tx, by, action, "task:"+taskID,
			pinAudit{r.PinnedWorker, r.Version}, pinAudit{after.PinnedWorker, after.Version})
	})
	if err != nil {
		return console.TaskFacts{}, fmt.Errorf("pin task %q: %w", taskID, err)
	}
	return out, nil
}

// SetPaused pauses (paused true) or resumes the schedule of partition and
// audits it (partition.pause, partition.resume). Pausing a paused
// partition, or resuming one that is not, returns an error wrapping
// console.ErrConflict.
func (s *Store) SetPaused(ctx context.Context, by console.Actor, partition string, paused bool, note string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		type pauseAudit struct {
			Paused   bool   `json:"paused"`
			PausedBy string `json:"paused_by,omitempty"`
			Note     string `json:"note,omitempty"`
		}
		if paused {
			var at sql.NullTime
			err := tx.GetContext(ctx, &at, query("pause_insert"), partition, by.Name, note)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("%w: partition %q is paused already", console.ErrConflict, partition)
			case isCheck(err):
				return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
			case err != nil:
				return err
			}
			return audit(ctx, tx, by, "partition.pause", "partition:"+partition,
				pauseAudit{Paused: false}, pauseAudit{Paused: true, PausedBy: by.Name, Note: note})
		}
		var was struct {
			PausedBy string       `db:"paused_by"`
			PausedAt sql.NullTime `db:"paused_at"`
			Note     string       `db:"note"`
		}
		if err := tx.GetContext(ctx, &was, query("pause_delete"), partition); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: partition %q is not paused", console.ErrConflict, partition)
		} else if err != nil {
			return err
		}
		return audit(ctx, tx, by, "partition.resume", "partition:"+partition,
			pauseAudit{Paused: true, PausedBy: was.PausedBy, Note: was.Note}, pauseAudit{Paused: false})
	})
	if err != nil {
		verb := "resume"
		if paused {
			verb = "pause"
		}
		return fmt.Errorf("%s partition %q: %w", verb, partition, err)
	}
	return nil
}
