package upgradetest_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// statement is one timed statement of the business writer.
type statement struct {
	start time.Time
	took  time.Duration
}

// writer plays a business system that owns tasks: in turn on each
// partition it inserts a few new tasks in one statement and completes a
// few assigned ones, one row per statement (the integration contract's
// advice, which keeps it clear of deadlocks with the write-back), timing
// every statement. It uses only the columns of the task table that every
// release since 0.1.0 has.
type writer struct {
	db         *sqlx.DB
	partitions []string

	mu         sync.Mutex
	statements []statement
	inserted   int64
	completed  int64
	errs       []error
}

func (w *writer) run(ctx context.Context) {
	for i := 0; ctx.Err() == nil; i++ {
		part := w.partitions[i%len(w.partitions)]
		w.exec(ctx, &w.inserted, `INSERT INTO paidan.task (id, partition, priority, lat, lon, due_at)
			SELECT $1 || '-' || g, $2, g % 3, 48.80 + random() / 10, 2.30 + random() / 10, now() + interval '8 hours'
			FROM generate_series(1, 4) g`, fmt.Sprintf("%s-biz-%d", part, i), part)
		for range 4 {
			w.exec(ctx, &w.completed, `UPDATE paidan.task SET status = 'done'
				WHERE id = (SELECT id FROM paidan.task WHERE partition = $1 AND status = 'assigned'
				            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)`, part)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (w *writer) exec(ctx context.Context, count *int64, q string, args ...any) {
	start := time.Now()
	res, err := w.db.ExecContext(ctx, q, args...)
	took := time.Since(start)
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx.Err() != nil {
		return // stopped mid-statement: neither an error nor a figure
	}
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	n, _ := res.RowsAffected()
	*count += n
	w.statements = append(w.statements, statement{start, took})
}

// longest returns the longest statement that ran during [from, to], and
// how many did.
func (w *writer) longest(from, to time.Time) (time.Duration, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var m time.Duration
	n := 0
	for _, s := range w.statements {
		if s.start.Before(to) && s.start.Add(s.took).After(from) {
			m = max(m, s.took)
			n++
		}
	}
	return m, n
}

// lockWait is one wait for a lock that a migrating session held or had
// requested first, as the sampler saw it.
type lockWait struct {
	user    string // the waiting session's login role
	query   string // the start of the waiting statement
	started time.Time
	longest time.Duration // the longest the sampler saw it waiting
}

// sampler polls pg_locks of one database every 20 ms and records every
// session waiting on a lock behind a session whose application_name
// starts with "paidan-migrate" (pg_blocking_pids: holders of a conflicting
// lock and requests queued ahead of it), and every wait of the migrating
// sessions themselves. A wait shorter than the polling interval may go
// unseen; a seen wait's length is a lower bound (its waitstart to the
// sample).
type sampler struct {
	admin *sqlx.DB
	db    string

	mu       sync.Mutex
	behind   map[string]*lockWait // key: pid and waitstart
	migrator map[string]*lockWait
	samples  int
	err      error
}

func (s *sampler) run(ctx context.Context) {
	s.behind, s.migrator = map[string]*lockWait{}, map[string]*lockWait{}
	var rows []struct {
		Pid       int       `db:"pid"`
		User      string    `db:"usename"`
		Query     string    `db:"query"`
		Migrating bool      `db:"migrating"`
		Start     time.Time `db:"waitstart"`
		Waited    float64   `db:"waited"`
	}
	for ctx.Err() == nil {
		rows = rows[:0]
		err := s.admin.SelectContext(ctx, &rows, `
			SELECT w.pid, w.usename, left(btrim(regexp_replace(regexp_replace(w.query, '--[^\n]*', '', 'g'), '\s+', ' ', 'g')), 60) AS query, w.application_name LIKE 'paidan-migrate%' AS migrating, l.waitstart,
			       extract(epoch FROM clock_timestamp() - l.waitstart)::float8 AS waited
			FROM pg_locks l JOIN pg_stat_activity w ON w.pid = l.pid
			WHERE NOT l.granted AND l.waitstart IS NOT NULL AND w.datname = $1
			  AND (w.application_name LIKE 'paidan-migrate%' OR EXISTS (
			      SELECT FROM unnest(pg_blocking_pids(l.pid)) b(pid) JOIN pg_stat_activity m ON m.pid = b.pid
			      WHERE m.application_name LIKE 'paidan-migrate%'))`, s.db)
		s.mu.Lock()
		if err != nil && ctx.Err() == nil && s.err == nil {
			s.err = err
		}
		s.samples++
		for _, r := range rows {
			waits := s.behind
			if r.Migrating {
				waits = s.migrator
			}
			key := fmt.Sprintf("%d@%s", r.Pid, r.Start.Format(time.RFC3339Nano))
			lw := waits[key]
			if lw == nil {
				lw = &lockWait{user: r.User, query: r.Query, started: r.Start}
				waits[key] = lw
			}
			lw.longest = max(lw.longest, time.Duration(r.Waited*float64(time.Second)))
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// longestBehind returns, per login role, the longest wait seen behind a
// migrating session, and how many waits were seen.
func (s *sampler) longestBehind() (map[string]lockWait, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]lockWait{}
	for _, w := range s.behind {
		if w.longest > m[w.user].longest {
			m[w.user] = *w
		}
	}
	return m, len(s.behind)
}

// longestMigrator returns the longest wait of a migrating session, and
// how many were seen.
func (s *sampler) longestMigrator() (time.Duration, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m time.Duration
	for _, w := range s.migrator {
		m = max(m, w.longest)
	}
	return m, len(s.migrator)
}
