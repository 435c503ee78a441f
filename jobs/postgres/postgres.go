package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	exportpg "github.com/paidan/paidan/export/postgres"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/jobs"
)

// LockNamespace is the first key of every partition's advisory lock
// (pg_try_advisory_lock(LockNamespace, hashtext(partition))): the ASCII
// bytes "paid". Other applications' advisory locks with another first key
// never collide with paidan's.
const LockNamespace = 0x70616964

// Source loads partitions with ingest/postgres. The zero Options work.
type Source struct {
	DB      *sqlx.DB
	Options ingestpg.LoadOptions
}

// Partitions lists the partitions with pending tasks.
func (s *Source) Partitions(ctx context.Context) ([]string, error) {
	return ingestpg.Partitions(ctx, s.DB)
}

// Load loads one partition's snapshot; poisoned rows are returned apart.
func (s *Source) Load(ctx context.Context, partition string) (*paidan.Batch, []*paidan.InputError, error) {
	b, rep, err := ingestpg.Load(ctx, s.DB, partition, s.Options)
	if err != nil {
		return nil, nil, err
	}
	return b, rep.Skipped, nil
}

// ErrNotLocked reports a Writer without a Locker. The database takes a run's writes
// only from the session holding the partition's lock, so a Writer must be
// wired with the Locker of the Runner it serves; without it every write
// would wait for the lock its own run holds.
var ErrNotLocked = errors.New("jobs/postgres: Writer without Locker")

// Writer writes plans back and records runs with export/postgres. Both go
// through functions of the schema that take the run's partition lock for
// their transaction, so Writer writes on the connection of Locker that
// holds that lock: Locker must be the Locker of the Runner it serves (nil
// fails every write with ErrNotLocked). A partition Locker does not hold is
// written on DB, which waits until no session holds the partition.
type Writer struct {
	DB     *sqlx.DB
	Locker *Locker
	// Publisher, when set, enqueues what each applied run pushes to its
	// subscribers inside the write-back's transaction, so that it is
	// enqueued if and only if the run commits. Nil means the write-back is
	// the one statement of export/postgres.Apply, as without push.
	Publisher Publisher
}

// Publisher enqueues the pushes of an applied run in its write-back
// transaction (jobs/river.Publisher is one). tx has just applied run;
// plan and batch are the run's; refused maps each task whose assignment
// the write-back refused to its conflict kind. An error rolls the
// write-back back.
type Publisher interface {
	PublishTx(ctx context.Context, tx *sql.Tx, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch, refused map[paidan.TaskID]string) error
}

// Apply writes the plan back in one transaction (export/postgres.Apply),
// which also records the run's planning instant, plan.AsOf (the load
// snapshot's time), in paidan.run.as_of.
func (w *Writer) Apply(ctx context.Context, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*jobs.WriteResult, error) {
	conn, _, err := w.session(batch.Partition)
	if err != nil {
		return nil, err
	}
	var res *exportpg.ApplyResult
	if w.Publisher == nil {
		res, err = exportpg.Apply(ctx, conn, run, plan, batch)
	} else {
		res, err = w.applyAndPublish(ctx, conn, run, plan, batch)
	}
	if err != nil {
		return nil, mapRetryable(err)
	}
	out := &jobs.WriteResult{Assigned: res.Assigned, Conflicts: make(map[paidan.TaskID]string, len(res.Conflicts))}
	for _, c := range res.Conflicts {
		out.Conflicts[c.Task] = string(c.Kind)
	}
	return out, nil
}

// applyAndPublish runs export/postgres.Apply and the Publisher in one
// transaction on conn (the partition lock's connection, or the pool).
func (w *Writer) applyAndPublish(ctx context.Context, conn sqlx.QueryerContext, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*exportpg.ApplyResult, error) {
	beginner, ok := conn.(interface {
		BeginTxx(context.Context, *sql.TxOptions) (*sqlx.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("apply run %q: %T cannot begin a transaction", run.ID, conn)
	}
	tx, err := beginner.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("apply run %q: begin: %w", run.ID, err)
	}
	defer tx.Rollback()
	res, err := exportpg.Apply(ctx, tx, run, plan, batch)
	if err != nil {
		return nil, err
	}
	refused := make(map[paidan.TaskID]string, len(res.Conflicts))
	for _, c := range res.Conflicts {
		refused[c.Task] = string(c.Kind)
	}
	if err := w.Publisher.PublishTx(ctx, tx.Tx, run, plan, batch, refused); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("apply run %q: commit: %w", run.ID, err)
	}
	return res, nil
}

// WasApplied reports whether the run id was applied.
func (w *Writer) WasApplied(ctx context.Context, runID string) (bool, error) {
	return exportpg.WasApplied(ctx, w.DB, runID)
}

// Record records a failed or skipped run on the partition lock's
// connection; when that connection has broken (a lost lock is one reason a
// run fails), on DB, where it waits until no session holds the partition.
func (w *Writer) Record(ctx context.Context, run paidan.Run) error {
	conn, locked, err := w.session(run.Partition)
	if err != nil {
		return err
	}
	err = exportpg.RecordRun(ctx, conn, run)
	var pqErr *pq.Error
	if err != nil && locked && !errors.As(err, &pqErr) && ctx.Err() == nil {
		err = exportpg.RecordRun(ctx, w.DB, run)
	}
	return mapRetryable(err)
}

// session returns the connection of Locker holding partition's lock
// (locked true), or DB when Locker does not hold it.
func (w *Writer) session(partition string) (db sqlx.QueryerContext, locked bool, err error) {
	if w.Locker == nil {
		return nil, false, fmt.Errorf("partition %q: %w", partition, ErrNotLocked)
	}
	if conn := w.Locker.holder(partition); conn != nil {
		return conn, true, nil
	}
	return w.DB, false, nil
}

// mapRetryable makes a deadlock (SQLSTATE 40P01) or serialization
// failure (40001), which roll the transaction back, match
// jobs.ErrRetryable. (An applied run needs no mapping: both packages'
// ErrAlreadyApplied are paidan.ErrRunApplied.)
func mapRetryable(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && (pqErr.Code == "40P01" || pqErr.Code == "40001") {
		return fmt.Errorf("%w: %w", jobs.ErrRetryable, err)
	}
	return err
}

// Locker takes partition locks as PostgreSQL session advisory locks, each
// on a connection of its own taken from DB for as long as the lock is
// held. Every process on every machine that uses the same database is
// excluded; the server releases the lock when the connection ends, so a
// killed scheduler never leaves a partition locked. Two partitions whose
// names hash alike share a lock: they then never run at once, which is
// safe. ReleaseTimeout zero means 5 seconds. A Writer whose Locker field
// is this Locker writes each run on its partition lock's connection. Use a
// Locker by pointer; it is safe for concurrent use.
type Locker struct {
	DB             *sqlx.DB
	ReleaseTimeout time.Duration

	mu   sync.Mutex
	held map[string]*sqlx.Conn // partition → the connection holding its lock
}

// TryLock takes partition's lock without waiting, or returns an error
// wrapping jobs.ErrLocked.
func (l *Locker) TryLock(ctx context.Context, partition string) (jobs.Lock, error) {
	conn, err := l.DB.Connx(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, LockNamespace, partition).Scan(&got); err != nil {
		discard(conn.Conn)
		return nil, err
	}
	if !got {
		conn.Close()
		return nil, fmt.Errorf("partition %q: %w", partition, jobs.ErrLocked)
	}
	timeout := l.ReleaseTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	l.mu.Lock()
	if l.held == nil {
		l.held = make(map[string]*sqlx.Conn)
	}
	l.held[partition] = conn
	l.mu.Unlock()
	return &lock{locker: l, conn: conn, partition: partition, timeout: timeout}, nil
}

// holder returns the connection that holds partition's lock, or nil.
func (l *Locker) holder(partition string) *sqlx.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[partition]
}

// forget drops partition's connection once its lock is released.
func (l *Locker) forget(partition string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, partition)
}

// lock is a held advisory lock and its connection.
type lock struct {
	locker    *Locker
	conn      *sqlx.Conn
	partition string
	timeout   time.Duration
}

// Check asks the lock's connection whether it still holds the lock.
func (l *lock) Check(ctx context.Context) error {
	var held bool
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
		AND classid = $1::bigint::oid AND objid = (hashtext($2)::bigint & 4294967295)::oid AND objsubid = 2)`,
		LockNamespace, l.partition).Scan(&held)
	if err != nil {
		return fmt.Errorf("partition %q: %w: %w", l.partition, jobs.ErrLockLost, err)
	}
	if !held {
		return fmt.Errorf("partition %q: %w", l.partition, jobs.ErrLockLost)
	}
	return nil
}

// Release unlocks and gives the connection back to the pool; when the
// unlock fails, the connection is closed instead, which releases the lock
// on the server.
func (l *lock) Release(ctx context.Context) error {
	l.locker.forget(l.partition)
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var released bool
	err := l.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, LockNamespace, l.partition).Scan(&released)
	if err != nil || !released {
		discard(l.conn.Conn)
		if err == nil {
			err = fmt.Errorf("partition %q: lock was not held", l.partition)
		}
		return err
	}
	return l.conn.Close()
}

// discard closes conn's underlying connection rather than pooling it.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
