package upgradetest_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jmoiron/sqlx"

	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The release the rolling upgrade starts from: 0.3.0 (schema window
// 56-79), at its commit (the tag v0.3.0 names the same commit; the test
// does not need tags fetched).
const (
	previousName   = "0.3.0"
	previousCommit = "5568454e39eaea1ee10af0d1530cc09a17d27c71"
	// previousMaxSchema is the newest schema version the previous release
	// runs against (its MaxSchema): the rollback phase starts one of its
	// schedulers on the expanded schema, so the later release's migrations
	// stay at or below it.
	previousMaxSchema int64 = 79
)

// lockTimeout is the migrations' lock_timeout, paidan migrate up's default.
const lockTimeout = 2 * time.Second

// partitions are the two partitions the fleet dispatches.
var partitions = []string{"north", "south"}

// TestRollingUpgrade rolls a fleet from the previous release to the code
// under test and back, on a real server, while it dispatches:
//
//  1. the previous release migrates an empty database; a business writer
//     (its own login, paidan_business) inserts and completes tasks from
//     now to the end; two schedulers of the previous release (a login in
//     paidan_runtime) dispatch both partitions;
//  2. the code under test checks the window (version --db), prints the
//     plan and applies its pending migrations (migrate up); then the
//     migrations of a later release (testdata/expand, numbered after the
//     newest embedded one, within the window) are applied the same way
//     (UpSafely) while an analyst's transaction holds a lock on
//     paidan.task for longer than two lock timeouts, so that the
//     migration must time out and retry while everything queues behind it;
//  3. schedulers of the code under test start and the previous release's
//     stop, one at a time, and the new ones dispatch alone;
//  4. rollback: a scheduler of the previous release replaces them on the
//     expanded schema, then the schema is rolled back to the previous
//     release's version (the later release's migrations, then migrate
//     status and migrate down), the previous release's version --db says
//     "inside the window", and it dispatches on.
//
// Every phase must dispatch both partitions. At the end no run failed
// (but those a SIGTERM stopped while loading or planning), no run is left
// running, no scheduler logged an error or exited non-zero,
// the business writer had no error, the invariants hold, and no session
// waited on a lock behind a migrating one for longer than the lock
// timeout (a margin of 500 ms for the server to notice and cancel). The
// stalls are logged as "upgrade:" lines (scripts/upgrade-test).
func TestRollingUpgrade(t *testing.T) {
	root := repoRoot(t)
	prev := buildRelease(t, root, previousName, previousCommit)
	head := buildHead(t, root, t.TempDir())
	ctx := t.Context()

	// 1. The previous release's schema and fleet.
	ownerURL := pgtest.NewEmptyURL(t)
	paidan(t, prev, "migrate", "up", "--db", ownerURL)
	owner := open(t, ownerURL)
	prevSchema, err := pgschema.SchemaVersion(ctx, owner.DB)
	if err != nil {
		t.Fatal(err)
	}
	createLogin(t, "upgrade_scheduler", "paidan_runtime")
	createLogin(t, "upgrade_business", "paidan_business")
	schedURL := withUser(t, ownerURL, "upgrade_scheduler")
	bizURL := withUser(t, ownerURL, "upgrade_business")
	biz := open(t, bizURL)
	seed(t, biz)

	var dbName string
	if err := owner.GetContext(ctx, &dbName, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	bg, stopBackground := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopBackground(); wg.Wait() }()
	smp := &sampler{admin: pgtest.Admin(t), db: dbName}
	bw := &writer{db: biz, partitions: partitions}
	wg.Go(func() { smp.run(bg) })
	wg.Go(func() { bw.run(bg) })

	var fleet []*scheduler
	mark := dbNow(t, owner)
	fleet = append(fleet, startScheduler(t, previousName+"-a", prev, schedURL))
	fleet = append(fleet, startScheduler(t, previousName+"-b", prev, schedURL))
	oldA, oldB := fleet[0], fleet[1]
	waitDispatched(t, owner, mark, "release "+previousName, partitions...)

	// 2. The upgrade of the schema, by the code under test.
	// The code under test runs on the previous release's schema unless its
	// MinSchema is above it; then it refuses until migrate up is done.
	want := "inside the window"
	if prevSchema < pgschema.MinSchema {
		want = "OUTSIDE the window"
	}
	if out := paidan(t, head, "version", "--db", ownerURL); !strings.Contains(out, want) {
		t.Fatalf("version --db before the upgrade:\n%s\nwant schema %d %s (window %d-%d)", out, prevSchema, want, pgschema.MinSchema, pgschema.MaxSchema)
	}
	t.Logf("migrate plan:\n%s", paidan(t, head, "migrate", "plan", "--db", ownerURL))
	migrateURL := withParams(t, ownerURL, "application_name", "paidan-migrate")
	m0 := time.Now()
	paidan(t, head, "migrate", "up", "--db", migrateURL, "--lock-timeout", lockTimeout.String())
	headSchema, err := pgschema.SchemaVersion(ctx, owner.DB)
	if err != nil || headSchema != pgschema.Latest() {
		t.Fatalf("schema after migrate up = %d, %v; want %d", headSchema, err, pgschema.Latest())
	}
	later, nLater := laterRelease(t)
	expand := expandMigrator(t, ownerURL, later)
	var retries bytes.Buffer
	reader := holdTask(t, owner, 2*lockTimeout+time.Second)
	applied, err := expand.UpSafely(ctx, pgschema.SafeOptions{LockTimeout: lockTimeout, Backoff: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &retries}, nil))})
	if err != nil {
		t.Fatalf("the later release's migrations: %v\n%s", err, retries.String())
	}
	<-reader
	m1 := time.Now()
	if len(applied) != nLater {
		t.Fatalf("applied %v of the later release; want %d migrations", applied, nLater)
	}
	if nLater > 0 && !strings.Contains(retries.String(), "waited longer than lock_timeout; retrying") {
		t.Errorf("the later release's migration did not time out on the analyst's lock and retry; its log:\n%s", retries.String())
	}
	t.Logf("schema %d -> %d (code under test) -> %d (later release, %d migrations); retries:\n%s",
		prevSchema, headSchema, headSchema+int64(nLater), nLater, retries.String())
	mark = dbNow(t, owner)
	waitDispatched(t, owner, mark, "release "+previousName+" after the migrations", partitions...)

	// 3. Roll the schedulers forward, one at a time.
	fleet = append(fleet, startScheduler(t, "head-a", head, schedURL))
	oldA.stop(t)
	fleet = append(fleet, startScheduler(t, "head-b", head, schedURL))
	oldB.stop(t)
	headA, headB := fleet[2], fleet[3]
	mark = dbNow(t, owner)
	waitDispatched(t, owner, mark, "the code under test", partitions...)

	// 4. Roll back: the previous release's binary first, then the schema.
	fleet = append(fleet, startScheduler(t, previousName+"-c", prev, schedURL))
	headA.stop(t)
	headB.stop(t)
	oldC := fleet[4]
	mark = dbNow(t, owner)
	waitDispatched(t, owner, mark, "release "+previousName+" on the expanded schema", partitions...)
	r0 := time.Now()
	for range nLater {
		if _, err := expand.Down(ctx); err != nil {
			t.Fatalf("roll back the later release's migrations: %v", err)
		}
	}
	t.Logf("migrate status:\n%s", paidan(t, head, "migrate", "status", "--db", ownerURL))
	for v := headSchema; v > prevSchema; {
		t.Logf("migrate down: %s", strings.TrimSpace(paidan(t, head, "migrate", "down", "--db", migrateURL)))
		if v, err = pgschema.SchemaVersion(ctx, owner.DB); err != nil {
			t.Fatal(err)
		}
	}
	r1 := time.Now()
	if v, err := pgschema.SchemaVersion(ctx, owner.DB); err != nil || v != prevSchema {
		t.Fatalf("schema after the rollback = %d, %v; want %d", v, err, prevSchema)
	}
	if out := paidan(t, prev, "version", "--db", ownerURL); !strings.Contains(out, "inside the window") {
		t.Fatalf("release %s's version --db after the rollback:\n%s\nwant its schema inside its window", previousName, out)
	}
	mark = dbNow(t, owner)
	waitDispatched(t, owner, mark, "release "+previousName+" after the rollback", partitions...)
	oldC.stop(t)
	stopBackground()
	wg.Wait()

	// What must hold afterwards.
	for _, s := range fleet {
		if errs := s.errors(t); len(errs) > 0 {
			var other []string
			for _, e := range errs {
				if !(strings.Contains(e, `msg="run failed"`) && strings.Contains(e, "context canceled")) {
					other = append(other, e)
				}
			}
			if len(other) > 0 {
				t.Errorf("scheduler %s logged errors:\n%s", s.name, strings.Join(other, "\n"))
			}
		}
	}
	// A run that a scheduler was loading or planning when it got SIGTERM
	// is recorded failed with the context's cancellation, by design (see
	// paidan schedule --help); it is the rolling restart's, not the
	// migrations'. Every other run that is not applied or skipped fails
	// the test.
	var bad []struct {
		ID       string    `db:"id"`
		Status   string    `db:"status"`
		Error    string    `db:"error"`
		Started  time.Time `db:"started_at"`
		Finished time.Time `db:"finished_at"`
	}
	if err := owner.SelectContext(ctx, &bad, `SELECT id, status, coalesce(error, '') AS error, started_at,
		coalesce(finished_at, 'infinity') AS finished_at
		FROM paidan.run WHERE status NOT IN ('applied', 'skipped') ORDER BY started_at`); err != nil {
		t.Fatal(err)
	}
	stoppedRuns := 0
	for _, r := range bad {
		if r.Status == "failed" && strings.HasSuffix(r.Error, "context canceled") && slices.ContainsFunc(fleet, func(s *scheduler) bool {
			return !s.stopping.IsZero() && s.stopping.Before(r.Finished) && s.stopped.After(r.Started)
		}) {
			stoppedRuns++
			continue
		}
		t.Errorf("run %s %s (started %s, finished %s): %s", r.ID, r.Status, r.Started.Format(time.RFC3339Nano), r.Finished.Format(time.RFC3339Nano), r.Error)
	}
	if err := exportpg.CheckInvariants(ctx, owner); err != nil {
		t.Error(err)
	}
	if smp.err != nil {
		t.Errorf("lock sampler: %v", smp.err)
	}
	if len(bw.errs) > 0 {
		t.Errorf("business writer: %d errors, the first: %v", len(bw.errs), bw.errs[0])
	}
	if bw.inserted == 0 || bw.completed == 0 {
		t.Errorf("business writer inserted %d and completed %d tasks; want both > 0", bw.inserted, bw.completed)
	}

	// The figures.
	var runs struct {
		Applied  int `db:"applied"`
		Assigned int `db:"assigned"`
	}
	if err := owner.GetContext(ctx, &runs, `SELECT count(*) AS applied, coalesce(sum(assigned), 0) AS assigned
		FROM paidan.run WHERE status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	t.Logf("upgrade: %s -> code under test (schema %d -> %d -> %d) and back; runs applied %d (tasks assigned %d), failed 0 but %d stopped by SIGTERM while loading or planning; business tasks inserted %d, completed %d, errors %d",
		previousName, prevSchema, headSchema, headSchema+int64(nLater), runs.Applied, runs.Assigned, stoppedRuns, bw.inserted, bw.completed, len(bw.errs))
	bs, bsN := bw.longest(m0, m1)
	bsBase, bsBaseN := bw.longest(time.Time{}, m0)
	bsRoll, bsRollN := bw.longest(r0, r1)
	t.Logf("upgrade: migration %.2fs (lock_timeout %s): runs during it: %s; before it: %s",
		m1.Sub(m0).Seconds(), lockTimeout, runsDuring(t, owner, m0, m1), runsDuring(t, owner, time.Time{}, m0))
	t.Logf("upgrade: longest business statement during the migration %.3fs over %d (before it %.3fs over %d); during the rollback (%.2fs) %.3fs over %d",
		bs.Seconds(), bsN, bsBase.Seconds(), bsBaseN, r1.Sub(r0).Seconds(), bsRoll.Seconds(), bsRollN)
	behind, nBehind := smp.longestBehind()
	mig, nMig := smp.longestMigrator()
	users := make([]string, 0, len(behind))
	for u := range behind {
		users = append(users, u)
	}
	sort.Strings(users)
	var parts []string
	for _, u := range users {
		parts = append(parts, fmt.Sprintf("%s %.3fs (%q)", u, behind[u].longest.Seconds(), behind[u].query))
	}
	t.Logf("upgrade: lock waits behind a migrating session: %d seen in %d samples, longest per role: %s; the migrations' own longest wait %.3fs over %d",
		nBehind, smp.samples, strings.Join(parts, ", "), mig.Seconds(), nMig)
	for _, u := range users {
		if w := behind[u]; w.longest > lockTimeout+500*time.Millisecond {
			t.Errorf("a session of %s waited %.3fs behind a migration's lock in %q; the lock timeout is %s", u, w.longest.Seconds(), w.query, lockTimeout)
		}
	}
}

// seed inserts, as the business role, 30 workers of capacity 20 and 300
// pending tasks in each partition, all within a few km of each other.
func seed(t *testing.T, db *sqlx.DB) {
	t.Helper()
	for _, p := range partitions {
		for _, q := range []string{
			`INSERT INTO paidan.worker (id, partition, capacity, lat, lon)
			 SELECT $1 || '-w' || g, $1, 20, 48.80 + random() / 10, 2.30 + random() / 10 FROM generate_series(1, 30) g`,
			`INSERT INTO paidan.task (id, partition, priority, lat, lon, due_at)
			 SELECT $1 || '-t' || g, $1, g % 3, 48.80 + random() / 10, 2.30 + random() / 10, now() + interval '8 hours'
			 FROM generate_series(1, 300) g`,
		} {
			if _, err := db.ExecContext(t.Context(), q, p); err != nil {
				t.Fatalf("seed %s: %v", p, err)
			}
		}
	}
}

// laterRelease returns the embedded migrations plus those of
// testdata/expand, each numbered after the newest embedded one in its
// order (1_x.sql becomes Latest()+1), as many as fit below both this
// binary's MaxSchema and the previous release's, and how many of them it
// added.
func laterRelease(t *testing.T) (fs.FS, int) {
	t.Helper()
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
	extra, err := filepath.Glob(filepath.Join("testdata", "expand", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(extra)
	added := 0
	for i, p := range extra {
		v := pgschema.Latest() + int64(i) + 1
		if limit := min(pgschema.MaxSchema, previousMaxSchema); v > limit {
			t.Logf("%s: no room below MaxSchema %d (this binary's and %s's) after migration %d; left out", p, limit, previousName, pgschema.Latest())
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, name, _ := strings.Cut(filepath.Base(p), "_")
		fsys[fmt.Sprintf("%05d_%s", v, name)] = &fstest.MapFile{Data: b}
		added++
	}
	return fsys, added
}

// expandMigrator returns a Migrator over fsys on connections that carry
// the session settings of paidan migrate up and application_name
// paidan-migrate-later, so that the sampler knows them.
func expandMigrator(t *testing.T, ownerURL string, fsys fs.FS) *pgschema.Migrator {
	t.Helper()
	o := pgschema.SafeOptions{LockTimeout: lockTimeout}
	kv := []string{"application_name", "paidan-migrate-later"}
	for k, v := range o.SessionSettings() {
		kv = append(kv, k, v)
	}
	db, err := sql.Open("postgres", withParams(t, ownerURL, kv...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var got string
	if err := db.QueryRowContext(t.Context(), `SHOW lock_timeout`).Scan(&got); err != nil || got != "2s" {
		t.Fatalf("the migrating connection's lock_timeout = %q, %v; want 2s", got, err)
	}
	m, err := pgschema.NewFS(db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// holdTask opens an analyst's transaction that reads paidan.task (and so
// holds ACCESS SHARE on it) for d, and closes the channel it returns when
// the transaction has ended.
func holdTask(t *testing.T, db *sqlx.DB, d time.Duration) <-chan struct{} {
	t.Helper()
	tx, err := db.BeginTxx(t.Context(), &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.GetContext(t.Context(), &n, `SELECT count(*) FROM paidan.task`); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(d)
		tx.Rollback()
	}()
	return done
}

// runStall is what the runs that overlapped a time span took, from the
// stage seconds each recorded in paidan.run_usage.
type runStall struct {
	Write float64 `db:"write"` // the longest write stage (the write-back), seconds
	Run   float64 `db:"run"`   // the longest sum of a run's stages, seconds
	N     int     `db:"n"`     // how many runs (applied, skipped or failed) overlapped
}

func (r runStall) String() string {
	return fmt.Sprintf("write-back %.3fs, whole run %.3fs, over %d runs", r.Write, r.Run, r.N)
}

// runsDuring returns what the runs that overlapped [from, to] took.
func runsDuring(t *testing.T, db *sqlx.DB, from, to time.Time) runStall {
	t.Helper()
	var r runStall
	if err := db.GetContext(t.Context(), &r, `SELECT coalesce(max((u.stages->>'write')::float8), 0) AS write,
		coalesce(max((SELECT sum(value::float8) FROM jsonb_each_text(u.stages))), 0) AS run, count(*) AS n
		FROM paidan.run r JOIN paidan.run_usage u ON u.run_id = r.id
		WHERE r.started_at < $2 AND r.finished_at > $1`, from, to); err != nil {
		t.Fatal(err)
	}
	return r
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
