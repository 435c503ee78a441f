package pgschema_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

// syncBuffer is a bytes.Buffer that a logger may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUpSafelyRetriesLockTimeouts holds a lock that the newest migration
// conflicts with (SHARE on the version table, which its INSERT of the
// applied version needs ROW EXCLUSIVE on) from another connection: the
// migration times out on the lock, rolls back and is retried, logging each
// retry, until the lock is released; then it applies once.
func TestUpSafelyRetriesLockTimeouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	o := pgschema.SafeOptions{LockTimeout: 100 * time.Millisecond, Backoff: 20 * time.Millisecond, Attempts: 1000}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	migrating, err := sql.Open("postgres", url+sep+"lock_timeout="+o.SessionSettings()["lock_timeout"])
	if err != nil {
		t.Fatal(err)
	}
	defer migrating.Close()
	m, err := pgschema.New(migrating)
	if err != nil {
		t.Fatal(err)
	}
	latest := pgschema.Latest()
	if _, err := m.Down(ctx); err != nil {
		t.Fatal(err)
	}

	holder, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE `+pgschema.VersionTable+` IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}

	var log syncBuffer
	o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	type result struct {
		applied []int64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		applied, err := m.UpSafely(ctx, o)
		done <- result{applied, err}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(log.String(), "retrying") < 2 {
		select {
		case r := <-done:
			t.Fatalf("UpSafely returned %v, %v while the lock was held; log:\n%s", r.applied, r.err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two retries logged within 30s; log:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v, err := pgschema.SchemaVersion(ctx, holder); err != nil || v == latest {
		t.Fatalf("schema version while the lock is held = %d, %v; want below %d", v, err, latest)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.applied) != 1 || r.applied[0] != latest {
		t.Fatalf("UpSafely after the lock was released = %v, %v; want [%d]", r.applied, r.err, latest)
	}
	if !strings.Contains(log.String(), "SQLSTATE 55P03") && !strings.Contains(log.String(), "lock timeout") {
		t.Errorf("retries do not name the lock timeout; log:\n%s", log.String())
	}
	if v, err := pgschema.SchemaVersion(ctx, holder); err != nil || v != latest {
		t.Fatalf("schema version after = %d, %v; want %d", v, err, latest)
	}
}

func TestUpSafelyGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	migrating, err := sql.Open("postgres", url+sep+"lock_timeout=50")
	if err != nil {
		t.Fatal(err)
	}
	defer migrating.Close()
	m, err := pgschema.New(migrating)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Down(ctx); err != nil {
		t.Fatal(err)
	}
	holder, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE `+pgschema.VersionTable+` IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	applied, err := m.UpSafely(ctx, pgschema.SafeOptions{Attempts: 3, Backoff: time.Millisecond})
	if len(applied) != 0 || !pgschema.IsLockTimeout(err) {
		t.Fatalf("UpSafely under a held lock = %v, %v; want nothing applied and the lock timeout", applied, err)
	}
}

// TestUpSafelyRetriesDeadlocks: a migration that locks paidan.worker and
// then paidan.task meets a session that holds task and then asks for
// worker. The holder's role waits 60 s before it looks for deadlocks
// (deadlock_timeout, set for that role), so the migration, which looks
// after the default 1 s, is the one the server aborts; UpSafely logs the
// deadlock, retries after the holder is done, and applies the migration
// once.
func TestUpSafelyRetriesDeadlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	admin := pgtest.Admin(t)
	for _, q := range []string{
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'deadlock_holder') THEN
				BEGIN
					CREATE ROLE deadlock_holder LOGIN PASSWORD 'deadlock_holder' IN ROLE paidan_reader;
				EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
				END;
			END IF;
		END $$`,
		`ALTER ROLE deadlock_holder SET deadlock_timeout = '60s'`,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	next := pgschema.Latest() + 1
	fsys := fstest.MapFS{}
	names, err := fs.Glob(pgschema.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(pgschema.Migrations(), n)
		if err != nil {
			t.Fatal(err)
		}
		fsys[n] = &fstest.MapFile{Data: b}
	}
	fsys[fmt.Sprintf("%05d_two_tables.sql", next)] = &fstest.MapFile{Data: []byte(`-- locks worker, then task
-- +goose Up
LOCK TABLE paidan.worker IN ACCESS EXCLUSIVE MODE;
LOCK TABLE paidan.task IN ACCESS EXCLUSIVE MODE;
-- +goose Down
SELECT 1;
`)}
	o := pgschema.SafeOptions{LockTimeout: 30 * time.Second, Backoff: 20 * time.Millisecond}
	migrating, err := sql.Open("postgres", url+"&lock_timeout="+o.SessionSettings()["lock_timeout"])
	if err != nil {
		t.Fatal(err)
	}
	defer migrating.Close()
	m, err := pgschema.NewFS(migrating, fsys)
	if err != nil {
		t.Fatal(err)
	}

	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.UserPassword("deadlock_holder", "deadlock_holder")
	holder, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var dt string
	if err := tx.GetContext(ctx, &dt, `SHOW deadlock_timeout`); err != nil || dt != "1min" {
		t.Fatalf("the holder's deadlock_timeout = %q, %v; want 1min", dt, err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE paidan.task IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}

	var log syncBuffer
	o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	type result struct {
		applied []int64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		applied, err := m.UpSafely(ctx, o)
		done <- result{applied, err}
	}()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	owner, err := sqlx.Open("postgres", url) // sees the migrating session's query: the same role
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	pgtest.WaitForLockWait(t, waitCtx, owner, "LOCK TABLE paidan.task%")
	// The migration holds worker and waits for task: asking for worker
	// closes the cycle, and the migration's deadlock check breaks it.
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM paidan.worker`); err != nil {
		t.Fatalf("the holder's read of worker: %v (want the migration, not the holder, aborted)", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.applied) != 1 || r.applied[0] != next {
		t.Fatalf("UpSafely = %v, %v; want [%d]; log:\n%s", r.applied, r.err, next, log.String())
	}
	if got := strings.Count(log.String(), "deadlock with another session; retrying"); got != 1 {
		t.Errorf("%d deadlock retries logged; want 1; log:\n%s", got, log.String())
	}
}
