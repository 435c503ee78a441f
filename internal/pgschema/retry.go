package pgschema

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/pressly/goose/v3"
)

// SafeOptions are the session limits and retry policy of UpSafely. The
// zero value of every field takes the default the field names.
type SafeOptions struct {
	// LockTimeout bounds how long one statement waits for a lock; zero
	// means 2s. A migration that waits longer fails with SQLSTATE 55P03,
	// rolls back, and is retried, so that it never queues the write-back
	// or the business systems behind it for longer than this.
	LockTimeout time.Duration
	// StatementTimeout bounds one statement; zero means 10m.
	StatementTimeout time.Duration
	// Attempts is how many times a migration is tried before its lock
	// timeout is returned; zero means 10.
	Attempts int
	// Backoff is the wait after the first lock timeout, doubled after each
	// further one up to 32 times itself; zero means 1s.
	Backoff time.Duration
	// Logger receives one line per retry; nil discards them.
	Logger *slog.Logger
}

func (o SafeOptions) withDefaults() SafeOptions {
	if o.LockTimeout == 0 {
		o.LockTimeout = 2 * time.Second
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = 10 * time.Minute
	}
	if o.Attempts == 0 {
		o.Attempts = 10
	}
	if o.Backoff == 0 {
		o.Backoff = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate reports options that cannot work: negative durations or
// attempts.
func (o SafeOptions) Validate() error {
	if o.LockTimeout < 0 || o.StatementTimeout < 0 || o.Backoff < 0 || o.Attempts < 0 {
		return errors.New("pgschema: lock timeout, statement timeout, backoff and attempts must not be negative")
	}
	return nil
}

// SessionSettings returns the run-time parameters a migrating connection
// must carry (lock_timeout, statement_timeout in milliseconds), for the
// caller to set on every connection of the pool it hands to New, for
// example as lib/pq's Config.Runtime.
func (o SafeOptions) SessionSettings() map[string]string {
	o = o.withDefaults()
	return map[string]string{
		"lock_timeout":      strconv.FormatInt(o.LockTimeout.Milliseconds(), 10),
		"statement_timeout": strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10),
	}
}

// IsLockTimeout reports whether err is PostgreSQL's lock_not_available
// (SQLSTATE 55P03), which a lock_timeout raises.
func IsLockTimeout(err error) bool {
	var st interface{ SQLState() string }
	return errors.As(err, &st) && st.SQLState() == "55P03"
}

// isSerializationFailure reports whether err is PostgreSQL's
// serialization_failure (SQLSTATE 40001). The migrations that create
// paidan's cluster-wide roles raise it when a migration of another
// database of the cluster created the same role meanwhile; the migration
// succeeds when run again in a new transaction.
func isSerializationFailure(err error) bool {
	var st interface{ SQLState() string }
	return errors.As(err, &st) && st.SQLState() == "40001"
}

// isDeadlock reports whether err is PostgreSQL's deadlock_detected
// (SQLSTATE 40P01): the server aborted the migration's transaction to
// break a lock cycle with another session that holds one table and waits
// for another that the migration locked (a business UPDATE of a task,
// whose trigger updates its worker's load; a write-back).
func isDeadlock(err error) bool {
	var st interface{ SQLState() string }
	return errors.As(err, &st) && st.SQLState() == "40P01"
}

// serializationAttempts is how many times Up and UpSafely run a migration
// that keeps failing with a serialization failure, at once each time.
const serializationAttempts = 5

// upByOne applies the next pending migration, running it again at once
// when it failed with a serialization failure (it rolled back whole).
func (m *Migrator) upByOne(ctx context.Context) (*goose.MigrationResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := m.p.UpByOne(ctx)
		if err == nil || !isSerializationFailure(err) || attempt >= serializationAttempts {
			return res, err
		}
	}
}

// UpSafely applies the pending migrations one at a time, then River's, like Up, and
// retries one that failed on a lock timeout, or that the server aborted to
// break a deadlock, after a backoff, logging each retry. A failed
// transactional migration left nothing behind, so the retry starts it
// afresh; a NO TRANSACTION one must be written so that it can run again. The session limits are the pool's: the caller
// opened it with o.SessionSettings(). It returns the versions applied,
// also when it stops on an error.
func (m *Migrator) UpSafely(ctx context.Context, o SafeOptions) ([]int64, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	var applied []int64
	for {
		var (
			res *goose.MigrationResult
			err error
		)
		backoff := o.Backoff
		for attempt := 1; ; attempt++ {
			res, err = m.upByOne(ctx)
			if err == nil || !(IsLockTimeout(err) || isDeadlock(err)) || attempt >= o.Attempts {
				break
			}
			msg := "migration waited longer than lock_timeout; retrying"
			if isDeadlock(err) {
				msg = "migration aborted to break a deadlock with another session; retrying"
			}
			o.Logger.Warn(msg, "attempt", attempt, "backoff", backoff, "lock_timeout", o.LockTimeout, "err", err)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return applied, fmt.Errorf("migrate up: %w", context.Cause(ctx))
			case <-t.C:
			}
			backoff = min(2*backoff, 32*o.Backoff)
		}
		if errors.Is(err, goose.ErrNoNextVersion) {
			return applied, m.upRiver(ctx)
		}
		if err != nil {
			return applied, fmt.Errorf("migrate up: %w", err)
		}
		applied = append(applied, res.Source.Version)
		o.Logger.Info("migration applied", "version", res.Source.Version, "duration", res.Duration)
	}
}
