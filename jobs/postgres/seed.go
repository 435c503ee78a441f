package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
)

// The seed statements: COPY into temporary tables shaped like the targets,
// then one INSERT … ON CONFLICT DO NOTHING each.
const (
	seedTempSQL = `CREATE TEMPORARY TABLE seed_worker (LIKE paidan.worker INCLUDING DEFAULTS) ON COMMIT DROP;
CREATE TEMPORARY TABLE seed_task (LIKE paidan.task INCLUDING DEFAULTS) ON COMMIT DROP`
	seedWorkerCopySQL = `COPY seed_worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km) FROM STDIN`
	seedTaskCopySQL   = `COPY seed_task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker) FROM STDIN`
	seedWorkerSQL     = `INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km)
SELECT id, partition, regions, skills, capacity, lat, lon, shift_start, shift_end, max_distance_km FROM seed_worker
ON CONFLICT (id) DO NOTHING`
	seedTaskSQL = `INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker)
SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker, previous_worker FROM seed_task
ON CONFLICT (id) DO NOTHING`
)

// Seed inserts b's workers and tasks into partition b.Partition, for
// demos, tests and benchmarks: COPY into temporary tables, then one
// INSERT … ON CONFLICT (id) DO NOTHING each, in one transaction. Every
// time is moved by shift (zero keeps them). A worker's capacity becomes
// its remaining capacity (Capacity − Load), since the database counts load
// from assigned tasks. It returns how many workers and tasks were new; a
// row whose id exists is left alone. The role needs INSERT on the tables
// (the schema owner's, not paidan_runtime's).
func Seed(ctx context.Context, db *sqlx.DB, b *paidan.Batch, shift time.Duration) (workers, tasks int64, err error) {
	// The statements run on a context that is never cancelled, and ctx is
	// checked between rows instead: cancelling a lib/pq transaction during
	// COPY races its COPY reader against database/sql's rollback. On
	// ctx's end the transaction rolls back from this goroutine.
	stop := ctx
	ctx = context.WithoutCancel(ctx)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, seedTempSQL); err != nil {
		return 0, 0, err
	}
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Add(shift)
	}
	str := func(s paidan.WorkerID) any {
		if s == "" {
			return nil
		}
		return string(s)
	}
	err = copyIn(ctx, stop, tx, seedWorkerCopySQL, len(b.Workers), func(i int) []any {
		w := &b.Workers[i]
		return []any{string(w.ID), b.Partition, pq.Array(nonNil(w.Regions)), pq.Array(nonNil(w.Skills)), w.Remaining(),
			w.Location.Lat, w.Location.Lon, at(w.ShiftStart), at(w.ShiftEnd), w.MaxDistanceKm}
	})
	if err != nil {
		return 0, 0, fmt.Errorf("copy workers: %w", err)
	}
	err = copyIn(ctx, stop, tx, seedTaskCopySQL, len(b.Tasks), func(i int) []any {
		t := &b.Tasks[i]
		return []any{string(t.ID), b.Partition, t.Region, pq.Array(nonNil(t.Skills)), t.Priority,
			t.Location.Lat, t.Location.Lon, at(t.CreatedAt), at(t.DueAt), str(t.PinnedWorker), str(t.PreviousWorker)}
	})
	if err != nil {
		return 0, 0, fmt.Errorf("copy tasks: %w", err)
	}
	if err := stop.Err(); err != nil {
		return 0, 0, err
	}
	if workers, err = execCount(ctx, tx, seedWorkerSQL); err != nil {
		return 0, 0, fmt.Errorf("insert workers: %w", err)
	}
	if tasks, err = execCount(ctx, tx, seedTaskSQL); err != nil {
		return 0, 0, fmt.Errorf("insert tasks: %w", err)
	}
	return workers, tasks, tx.Commit()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// copyIn streams n rows into a COPY … FROM STDIN statement: a prepared
// statement in tx, one Exec per row, and a final Exec that flushes. It
// returns stop's error, checked every 1024 rows, when stop ends first.
func copyIn(ctx, stop context.Context, tx *sqlx.Tx, copySQL string, n int, row func(i int) []any) error {
	stmt, err := tx.PrepareContext(ctx, copySQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		if i%1024 == 0 {
			if err := stop.Err(); err != nil {
				return err
			}
		}
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	return stmt.Close()
}

func execCount(ctx context.Context, tx *sqlx.Tx, query string) (int64, error) {
	res, err := tx.ExecContext(ctx, query)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
