package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
)

var _ console.WorkerStreamStore = (*Store)(nil)

// workerTokenRow is a worker token as listed.
type workerTokenRow struct {
	ID        int64        `db:"id"`
	Worker    string       `db:"worker_id"`
	Name      string       `db:"name"`
	Prefix    string       `db:"prefix"`
	CreatedBy string       `db:"created_by"`
	CreatedAt time.Time    `db:"created_at"`
	ExpiresAt time.Time    `db:"expires_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (r workerTokenRow) token() console.WorkerToken {
	t := console.WorkerToken{ID: r.ID, Worker: r.Worker, Name: r.Name, Prefix: r.Prefix, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if r.RevokedAt.Valid {
		t.RevokedAt = &r.RevokedAt.Time
	}
	return t
}

const workerTokenColumns = `id, worker_id, name, prefix, created_by, created_at, expires_at, revoked_at` // #nosec G101 -- column names of the token table (the hash is not among them), no credential

// CreateWorkerToken stores worker token t by its hash and audits
// worker_token.issue: console.ErrNotFound when worker t.Worker does not
// exist.
func (s *Store) CreateWorkerToken(ctx context.Context, by console.Actor, t console.WorkerToken, hash []byte) (console.WorkerToken, error) {
	var out console.WorkerToken
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT FROM paidan.worker WHERE id = $1)`, t.Worker); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: no worker %q", console.ErrNotFound, t.Worker)
		}
		var r workerTokenRow
		err := tx.GetContext(ctx, &r, `INSERT INTO paidan.worker_token (worker_id, name, hash, prefix, created_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+workerTokenColumns,
			t.Worker, t.Name, hash, t.Prefix, by.Name, t.ExpiresAt)
		if isCheck(err) {
			return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
		} else if err != nil {
			return err
		}
		out = r.token()
		return audit(ctx, tx, by, "worker_token.issue", fmt.Sprintf("worker_token:%d", out.ID), nil, out)
	})
	if err != nil {
		return console.WorkerToken{}, fmt.Errorf("issue a token for worker %q: %w", t.Worker, err)
	}
	return out, nil
}

// RevokeWorkerToken revokes worker token id and audits
// worker_token.revoke: console.ErrNotFound when there is no such token,
// console.ErrConflict when it is revoked already.
func (s *Store) RevokeWorkerToken(ctx context.Context, by console.Actor, id int64) (console.WorkerToken, error) {
	var out console.WorkerToken
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r workerTokenRow
		err := tx.GetContext(ctx, &r, `UPDATE paidan.worker_token SET revoked_at = now()
			WHERE id = $1 AND revoked_at IS NULL RETURNING `+workerTokenColumns, id)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM paidan.worker_token WHERE id = $1`, id); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%w: no worker token %d", console.ErrNotFound, id)
			}
			return fmt.Errorf("%w: worker token %d is revoked already", console.ErrConflict, id)
		} else if err != nil {
			return err
		}
		out = r.token()
		before := out
		before.RevokedAt = nil
		return audit(ctx, tx, by, "worker_token.revoke", fmt.Sprintf("worker_token:%d", id), before, out)
	})
	if err != nil {
		return console.WorkerToken{}, fmt.Errorf("revoke worker token %d: %w", id, err)
	}
	return out, nil
}

// WorkerTokens lists every worker token, newest first.
func (s *Store) WorkerTokens(ctx context.Context) ([]console.WorkerToken, error) {
	var rows []workerTokenRow
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+workerTokenColumns+` FROM paidan.worker_token ORDER BY id DESC`); err != nil {
		return nil, fmt.Errorf("list worker tokens: %w", err)
	}
	out := make([]console.WorkerToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// WorkerTokenOf returns the worker token of hash, unrevoked and unexpired
// at now; console.ErrNotFound otherwise.
func (s *Store) WorkerTokenOf(ctx context.Context, hash []byte, now time.Time) (console.WorkerToken, error) {
	var r workerTokenRow
	err := s.DB.GetContext(ctx, &r, `SELECT `+workerTokenColumns+` FROM paidan.worker_token
		WHERE hash = $1 AND revoked_at IS NULL AND expires_at > $2`, hash, now)
	if errors.Is(err, sql.ErrNoRows) {
		return console.WorkerToken{}, fmt.Errorf("%w: worker token", console.ErrNotFound)
	} else if err != nil {
		return console.WorkerToken{}, fmt.Errorf("look up worker token: %w", err)
	}
	return r.token(), nil
}

// workerAssignmentRow is one assignment as a stream sends it.
type workerAssignmentRow struct {
	RunID      string       `db:"run_id"`
	Task       string       `db:"task_id"`
	Partition  string       `db:"partition"`
	Region     string       `db:"region"`
	Priority   int          `db:"priority"`
	Lat        float64      `db:"lat"`
	Lon        float64      `db:"lon"`
	DueAt      sql.NullTime `db:"due_at"`
	DistanceKM float64      `db:"distance_km"`
	Pinned     bool         `db:"pinned"`
	AssignedAt time.Time    `db:"created_at"`
}

func (r workerAssignmentRow) assignment() console.WorkerAssignment {
	a := console.WorkerAssignment{Task: r.Task, RunID: r.RunID, Partition: r.Partition, Region: r.Region,
		Priority: r.Priority, Lat: r.Lat, Lon: r.Lon, DistanceKM: r.DistanceKM, Pinned: r.Pinned, AssignedAt: r.AssignedAt}
	if r.DueAt.Valid && !r.DueAt.Time.IsZero() {
		a.DueAt = &r.DueAt.Time
	}
	return a
}

// assignmentColumns selects a workerAssignmentRow from assignment a and
// task t. A due_at of ±infinity reads as NULL.
const assignmentColumns = `a.run_id, a.task_id, t.partition, t.region, t.priority, t.lat, t.lon,
	CASE WHEN isfinite(t.due_at) THEN t.due_at END AS due_at, a.distance_km, a.pinned, a.created_at`

// readOnly runs fn in a read-only REPEATABLE READ transaction: every
// statement of fn sees one snapshot.
func (s *Store) readOnly(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// WorkerSnapshot returns worker's active assignments, by task, the
// cursor of their snapshot (console.SnapshotCursor of its xmin) and the
// runs after that cursor that the snapshot sees already.
func (s *Store) WorkerSnapshot(ctx context.Context, worker string) (console.WorkerSnapshot, error) {
	var out console.WorkerSnapshot
	err := s.readOnly(ctx, func(tx *sqlx.Tx) error {
		var xmin int64
		if err := tx.GetContext(ctx, &xmin, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`); err != nil {
			return err
		}
		out.Cursor = console.SnapshotCursor(xmin)
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT FROM paidan.worker WHERE id = $1)`, worker); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: no worker %q", console.ErrNotFound, worker)
		}
		var rows []workerAssignmentRow
		if err := tx.SelectContext(ctx, &rows, `SELECT `+assignmentColumns+`
			FROM paidan.assignment a JOIN paidan.task t ON t.id = a.task_id
			WHERE a.worker_id = $1 AND a.active ORDER BY a.task_id`, worker); err != nil {
			return err
		}
		out.Assignments = make([]console.WorkerAssignment, len(rows))
		for i, r := range rows {
			out.Assignments[i] = r.assignment()
		}
		// Rows at or above the xmin that this snapshot sees committed.
		return tx.SelectContext(ctx, &out.Seen, `SELECT run_id FROM paidan.run_applied
			WHERE xid >= pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid, seq`)
	})
	if err != nil {
		return console.WorkerSnapshot{}, fmt.Errorf("snapshot of worker %q: %w", worker, err)
	}
	return out, nil
}

// WorkerRuns returns the runs of worker's partition applied after cursor
// that gave worker assignments (at most limit), in feed order, and the
// cursor to read on from. It reads in one snapshot the feed rows below
// the snapshot's xmin only: a write-back still open then may commit a row
// with a greater xid only, never one before the returned cursor.
func (s *Store) WorkerRuns(ctx context.Context, worker string, after console.StreamCursor, limit int) ([]console.WorkerRun, console.StreamCursor, error) {
	var (
		out  []console.WorkerRun
		next = after
	)
	err := s.readOnly(ctx, func(tx *sqlx.Tx) error {
		var feed []struct {
			XID       int64     `db:"xid"`
			Seq       int64     `db:"seq"`
			RunID     string    `db:"run_id"`
			Partition string    `db:"partition"`
			AppliedAt time.Time `db:"applied_at"`
		}
		// The worker's partition's runs after the cursor, below the xmin.
		if err := tx.SelectContext(ctx, &feed, `
			SELECT l.xid::text::bigint AS xid, l.seq, l.run_id, l.partition, l.applied_at
			FROM paidan.run_applied l
			WHERE (l.xid, l.seq) > ($2::text::xid8, $3::bigint)
			  AND l.xid < pg_snapshot_xmin(pg_current_snapshot())
			  AND l.partition = (SELECT partition FROM paidan.worker WHERE id = $1)
			ORDER BY l.xid, l.seq
			LIMIT $4`, worker, after.XID, after.Seq, limit); err != nil {
			return err
		}
		if len(feed) == limit {
			last := feed[len(feed)-1]
			next = console.StreamCursor{XID: last.XID, Seq: last.Seq}
		} else {
			// Past every row read, of any partition.
			var top struct {
				XID sql.NullInt64 `db:"xid"`
				Seq sql.NullInt64 `db:"seq"`
			}
			if err := tx.GetContext(ctx, &top, `
				SELECT l.xid::text::bigint AS xid, l.seq FROM paidan.run_applied l
				WHERE l.xid < pg_snapshot_xmin(pg_current_snapshot())
				ORDER BY l.xid DESC, l.seq DESC LIMIT 1`); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if c := (console.StreamCursor{XID: top.XID.Int64, Seq: top.Seq.Int64}); top.XID.Valid && after.Less(c) {
				next = c
			}
		}
		if len(feed) == 0 {
			return nil
		}
		ids := make(pq.StringArray, len(feed))
		for i, f := range feed {
			ids[i] = f.RunID
		}
		var rows []workerAssignmentRow
		if err := tx.SelectContext(ctx, &rows, `SELECT `+assignmentColumns+`
			FROM paidan.assignment a JOIN paidan.task t ON t.id = a.task_id
			WHERE a.run_id = ANY($1) AND a.worker_id = $2
			ORDER BY a.run_id, a.task_id`, ids, worker); err != nil {
			return err
		}
		byRun := make(map[string][]console.WorkerAssignment)
		for _, r := range rows {
			byRun[r.RunID] = append(byRun[r.RunID], r.assignment())
		}
		for _, f := range feed {
			if as := byRun[f.RunID]; len(as) > 0 {
				out = append(out, console.WorkerRun{Cursor: console.StreamCursor{XID: f.XID, Seq: f.Seq},
					RunID: f.RunID, Partition: f.Partition, AppliedAt: f.AppliedAt, Assignments: as})
			}
		}
		return nil
	})
	if err != nil {
		return nil, after, fmt.Errorf("runs of worker %q after %s: %w", worker, after, err)
	}
	return out, next, nil
}
