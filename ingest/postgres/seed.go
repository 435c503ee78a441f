package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
)

var (
	//go:embed seed_temp_workers.sql
	seedTempWorkersSQL string
	//go:embed seed_temp_tasks.sql
	seedTempTasksSQL string
	//go:embed seed_copy_workers.sql
	seedCopyWorkersSQL string
	//go:embed seed_copy_tasks.sql
	seedCopyTasksSQL string
	//go:embed seed_conflicts_workers.sql
	seedConflictsWorkersSQL string
	//go:embed seed_conflicts_tasks.sql
	seedConflictsTasksSQL string
	//go:embed seed_count_conflicts_workers.sql
	seedCountConflictsWorkersSQL string
	//go:embed seed_count_conflicts_tasks.sql
	seedCountConflictsTasksSQL string
	//go:embed seed_insert_workers.sql
	seedInsertWorkersSQL string
	//go:embed seed_insert_tasks.sql
	seedInsertTasksSQL string
	//go:embed seed_skip_workers.sql
	seedSkipWorkersSQL string
	//go:embed seed_skip_tasks.sql
	seedSkipTasksSQL string
	//go:embed seed_update_workers.sql
	seedUpdateWorkersSQL string
	//go:embed seed_update_tasks.sql
	seedUpdateTasksSQL string
)

// ErrIDTaken reports a seeded row whose id another row holds already. Ids
// are global: a task id (and a worker id) is unique across all partitions.
var ErrIDTaken = errors.New("ingest/postgres: id taken")

// OnConflict says what Seed does with a row whose id is taken.
type OnConflict uint8

// The conflict policies of Seed.
const (
	// ConflictRefuse, the zero value, fails the seed when any id is taken,
	// naming the rows, and writes nothing.
	ConflictRefuse OnConflict = iota
	// ConflictSkip leaves the existing rows alone and inserts the others.
	ConflictSkip
	// ConflictUpdate overwrites the existing rows' business columns (their
	// partition included) with the seeded values; a task that is not
	// pending is left alone.
	ConflictUpdate
)

// String returns "refuse", "skip" or "update".
func (c OnConflict) String() string {
	switch c {
	case ConflictSkip:
		return "skip"
	case ConflictUpdate:
		return "update"
	}
	return "refuse"
}

// ParseOnConflict returns the policy named "refuse", "skip" or "update".
func ParseOnConflict(s string) (OnConflict, error) {
	for _, c := range []OnConflict{ConflictRefuse, ConflictSkip, ConflictUpdate} {
		if s == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("on-conflict %q: want refuse, skip or update", s)
}

// SeedOptions tunes Seed. The zero value refuses conflicts and stores times
// as they are.
type SeedOptions struct {
	// OnConflict is what happens to a row whose id is taken.
	OnConflict OnConflict
	// Shift moves every time (created_at, due_at, shifts) by this amount;
	// zero keeps them.
	Shift time.Duration
	// MaxReported bounds how many conflicting rows of each table a refusal
	// names; zero means 10.
	MaxReported int
}

// SeedCounts says what Seed wrote, per table.
type SeedCounts struct {
	Inserted int64 // new rows
	Updated  int64 // existing rows overwritten (ConflictUpdate)
	Skipped  int64 // rows left alone: their id was taken (ConflictSkip), or a task was not pending (ConflictUpdate)
}

// SeedResult is what Seed wrote.
type SeedResult struct {
	Workers, Tasks SeedCounts
}

// Seed writes b's workers and tasks into partition b.Partition, for demos,
// tests, benchmarks and migrations from another system: the batch is
// validated (paidan.Batch.Validate), COPYed into temporary tables, checked
// for ids that are taken, and inserted, all in one transaction. A worker's
// capacity becomes its remaining capacity (Capacity − Load), since the
// database counts load from assigned tasks.
//
// Ids are global (the identity rule, see the README): a worker or task id
// that another row holds, in any partition, is a conflict. With
// ConflictRefuse the seed fails with an error joining one *paidan.InputError
// per conflicting row (up to MaxReported per table, then a count), each
// naming the table, the id and the partition that holds it and wrapping
// ErrIDTaken, and nothing is written. ConflictSkip and ConflictUpdate write
// and count instead.
//
// An invalid batch, a database error or ctx ending also write nothing. The
// role needs INSERT (and UPDATE for ConflictUpdate) on paidan.worker and
// paidan.task: the schema owner's or a business role's, not paidan_runtime's.
func Seed(ctx context.Context, db *sqlx.DB, b *paidan.Batch, opts SeedOptions) (*SeedResult, error) {
	if b.Partition == "" {
		return nil, fmt.Errorf("seed: the batch has no partition")
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("seed partition %q: %w", b.Partition, err)
	}
	if opts.MaxReported <= 0 {
		opts.MaxReported = 10
	}
	// The statements run on a context that is never cancelled, and ctx is
	// checked between rows instead: cancelling a lib/pq transaction during
	// COPY races its COPY reader against database/sql's rollback. On
	// ctx's end the transaction rolls back from this goroutine.
	stop := ctx
	ctx = context.WithoutCancel(ctx)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("seed partition %q: %w", b.Partition, err)
	}
	defer tx.Rollback()
	res, err := seed(ctx, stop, tx, b, opts)
	if err != nil {
		return nil, fmt.Errorf("seed partition %q: %w", b.Partition, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("seed partition %q: %w", b.Partition, err)
	}
	return res, nil
}

func seed(ctx, stop context.Context, tx *sqlx.Tx, b *paidan.Batch, opts SeedOptions) (*SeedResult, error) {
	for _, q := range []string{seedTempWorkersSQL, seedTempTasksSQL} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Add(opts.Shift)
	}
	ref := func(s paidan.WorkerID) any {
		if s == "" {
			return nil
		}
		return string(s)
	}
	err := copyIn(ctx, stop, tx, seedCopyWorkersSQL, len(b.Workers), func(i int) []any {
		w := &b.Workers[i]
		return []any{string(w.ID), b.Partition, pq.Array(nonNil(w.Regions)), pq.Array(nonNil(w.Skills)), w.Remaining(),
			w.Location.Lat, w.Location.Lon, at(w.ShiftStart), at(w.ShiftEnd), w.MaxDistanceKm}
	})
	if err != nil {
		return nil, fmt.Errorf("copy workers: %w", err)
	}
	err = copyIn(ctx, stop, tx, seedCopyTasksSQL, len(b.Tasks), func(i int) []any {
		t := &b.Tasks[i]
		return []any{string(t.ID), b.Partition, t.Region, pq.Array(nonNil(t.Skills)), t.Priority,
			t.Location.Lat, t.Location.Lon, at(t.CreatedAt), at(t.DueAt), ref(t.PinnedWorker), ref(t.PreviousWorker)}
	})
	if err != nil {
		return nil, fmt.Errorf("copy tasks: %w", err)
	}
	if err := stop.Err(); err != nil {
		return nil, err
	}

	res := &SeedResult{}
	switch opts.OnConflict {
	case ConflictRefuse:
		if err := conflicts(ctx, tx, b.Partition, opts.MaxReported); err != nil {
			return nil, err
		}
		if res.Workers.Inserted, err = execCount(ctx, tx, seedInsertWorkersSQL); err != nil {
			return nil, fmt.Errorf("insert workers: %w", err)
		}
		if res.Tasks.Inserted, err = execCount(ctx, tx, seedInsertTasksSQL); err != nil {
			return nil, fmt.Errorf("insert tasks: %w", err)
		}
	case ConflictSkip:
		if res.Workers.Inserted, err = execCount(ctx, tx, seedSkipWorkersSQL); err != nil {
			return nil, fmt.Errorf("insert workers: %w", err)
		}
		if res.Tasks.Inserted, err = execCount(ctx, tx, seedSkipTasksSQL); err != nil {
			return nil, fmt.Errorf("insert tasks: %w", err)
		}
	case ConflictUpdate:
		if res.Workers, err = upsert(ctx, tx, seedUpdateWorkersSQL); err != nil {
			return nil, fmt.Errorf("upsert workers: %w", err)
		}
		if res.Tasks, err = upsert(ctx, tx, seedUpdateTasksSQL); err != nil {
			return nil, fmt.Errorf("upsert tasks: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown conflict policy %d", opts.OnConflict)
	}
	res.Workers.Skipped = int64(len(b.Workers)) - res.Workers.Inserted - res.Workers.Updated
	res.Tasks.Skipped = int64(len(b.Tasks)) - res.Tasks.Inserted - res.Tasks.Updated
	return res, nil
}

// conflicts returns nil when no staged id is taken, and otherwise the
// conflicting rows (up to max per table, then a count), joined.
func conflicts(ctx context.Context, tx *sqlx.Tx, partition string, max int) error {
	var errs []error
	var nw, nt int
	if err := tx.GetContext(ctx, &nw, seedCountConflictsWorkersSQL); err != nil {
		return fmt.Errorf("check worker ids: %w", err)
	}
	if err := tx.GetContext(ctx, &nt, seedCountConflictsTasksSQL); err != nil {
		return fmt.Errorf("check task ids: %w", err)
	}
	if nw+nt == 0 {
		return nil
	}
	var workers []struct {
		ID        string `db:"id"`
		Partition string `db:"partition"`
	}
	if err := tx.SelectContext(ctx, &workers, seedConflictsWorkersSQL, max); err != nil {
		return fmt.Errorf("list taken worker ids: %w", err)
	}
	for _, w := range workers {
		errs = append(errs, &paidan.InputError{Source: WorkerTable, Key: safeKey(w.ID),
			Err: fmt.Errorf("id held by a worker of partition %s (seeding %s): %w", safeKey(w.Partition), safeKey(partition), ErrIDTaken)})
	}
	if nw > len(workers) {
		errs = append(errs, fmt.Errorf("%s: %d more taken worker ids", WorkerTable, nw-len(workers)))
	}
	var tasks []struct {
		ID        string `db:"id"`
		Partition string `db:"partition"`
		Status    string `db:"status"`
	}
	if err := tx.SelectContext(ctx, &tasks, seedConflictsTasksSQL, max); err != nil {
		return fmt.Errorf("list taken task ids: %w", err)
	}
	for _, t := range tasks {
		errs = append(errs, &paidan.InputError{Source: TaskTable, Key: safeKey(t.ID),
			Err: fmt.Errorf("id held by a %s task of partition %s (seeding %s): %w", t.Status, safeKey(t.Partition), safeKey(partition), ErrIDTaken)})
	}
	if nt > len(tasks) {
		errs = append(errs, fmt.Errorf("%s: %d more taken task ids", TaskTable, nt-len(tasks)))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d worker and %d task ids are taken (ids are unique across partitions; "+
		"rename the rows, or choose --on-conflict skip or update)", nw, nt)
	return fmt.Errorf("%s:\n%w", sb.String(), errors.Join(errs...))
}

// upsert runs an INSERT … ON CONFLICT DO UPDATE … RETURNING inserted and
// counts the rows inserted and updated.
func upsert(ctx context.Context, tx *sqlx.Tx, query string) (SeedCounts, error) {
	var c SeedCounts
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var inserted bool
		if err := rows.Scan(&inserted); err != nil {
			return c, err
		}
		if inserted {
			c.Inserted++
		} else {
			c.Updated++
		}
	}
	return c, rows.Err()
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
