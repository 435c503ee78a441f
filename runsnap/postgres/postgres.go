// Package postgres keeps run snapshots (package runsnap) in PostgreSQL's
// paidan.run_input (migration 00048) and reads them back: Keeper stores
// each applied run's archive and prunes a partition's older ones, Get
// returns a run's archive with the run record's claim, and Explainer
// explains a task from the latest kept run that decided about it, with the
// same code as "paidan explain --plan" (runsnap.Read, model.Explain).
package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/runsnap"
)

// DefaultKeep is how many kept runs a partition retains when Keeper.Keep
// is zero.
const DefaultKeep = 20

// ErrNotKept reports a run, or a task, with no kept snapshot: the run was
// not applied, was applied before inputs were kept, or its snapshot was
// pruned; or no kept run decided about the task.
var ErrNotKept = errors.New("runsnap/postgres: no kept run snapshot")

// ErrPreparing is returned by Explainer.ExplainTask when the task's run
// was not prepared within Explainer.Wait: its snapshot is still being
// read, in the background, and a later call finds it ready.
var ErrPreparing = errors.New("runsnap/postgres: the kept run is being prepared for explanations")

// prepareTimeout bounds the background preparation of one kept run.
const prepareTimeout = 5 * time.Minute

// Keeper keeps applied runs' snapshots in paidan.run_input. It implements
// jobs.InputKeeper. DB is required; the other fields' zero values work.
type Keeper struct {
	DB *sqlx.DB
	// Keep is how many of a partition's newest kept runs stay after each
	// run (paidan.prune_run_input). Zero means DefaultKeep; it must not be
	// negative.
	Keep int
	// Version is the paidan version recorded in the snapshot's files.
	Version string
	// TmpDir is where the snapshot is assembled before it is packed; ""
	// means os.TempDir().
	TmpDir string
}

// KeepInput packs the run's input and plan (runsnap.Pack), inserts the
// archive for run (which must be applied already, with the plan's hashes:
// the table's trigger checks) and prunes the partition to its newest
// Keep runs, in one transaction.
func (k *Keeper) KeepInput(ctx context.Context, run paidan.Run, batch *paidan.Batch, rules paidan.Rules, plan *paidan.Plan) error {
	keep := k.Keep
	if keep == 0 {
		keep = DefaultKeep
	}
	if keep < 0 {
		return fmt.Errorf("keep input of run %s: Keep %d is negative", run.ID, keep)
	}
	data, err := runsnap.Pack(ctx, batch, rules, plan, k.Version, k.TmpDir)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	tx, err := k.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keep input of run %s: %w", run.ID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO paidan.run_input
		(run_id, partition, format, input_hash, rules_hash, sha256, size, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		run.ID, run.Partition, runsnap.Format, plan.InputHash, plan.RulesHash, hex.EncodeToString(sum[:]), len(data), data); err != nil {
		if isUndefinedTable(err) {
			return fmt.Errorf("keep input of run %s: the schema predates paidan.run_input (migration 00048; paidan migrate up adds it): %w", run.ID, err)
		}
		return fmt.Errorf("keep input of run %s: %w", run.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT paidan.prune_run_input($1, $2)`, run.Partition, keep); err != nil {
		return fmt.Errorf("prune kept inputs of partition %q: %w", run.Partition, err)
	}
	// Consoles listening on KeptChannel prepare the run for explanations
	// (Prefetcher); PostgreSQL sends this when, and only if, tx commits.
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, json_build_object('run_id', $2::text, 'partition', $3::text)::text)`,
		KeptChannel, run.ID, run.Partition); err != nil {
		return fmt.Errorf("keep input of run %s: announce: %w", run.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("keep input of run %s: %w", run.ID, err)
	}
	return nil
}

// Kept is a run's kept archive with the run record's claim.
type Kept struct {
	// Run is what paidan.run says of the run: its input and rules hashes
	// are the run record's (which the run ledger covers), not the
	// archive's.
	Run  runsnap.Run
	Data []byte // the archive, runsnap.Format
}

// Get returns run id's kept archive. The archive's SHA-256 is checked
// against the one stored with it. A run without one returns an error
// wrapping ErrNotKept.
func Get(ctx context.Context, db sqlx.QueryerContext, id string) (*Kept, error) {
	var (
		k              Kept
		format, sum    string
		inHash, rHash  sql.NullString
		status         string
		partition, rid string
	)
	err := db.QueryRowxContext(ctx, `SELECT r.id, r.partition, r.status, r.input_hash, r.rules_hash, i.format, i.sha256, i.data
		FROM paidan.run_input i JOIN paidan.run r ON r.id = i.run_id WHERE i.run_id = $1`, id).
		Scan(&rid, &partition, &status, &inHash, &rHash, &format, &sum, &k.Data)
	switch {
	case errors.Is(err, sql.ErrNoRows) || isUndefinedTable(err):
		return nil, fmt.Errorf("run %s: %w", id, ErrNotKept)
	case err != nil:
		return nil, fmt.Errorf("read kept input of run %s: %w", id, err)
	}
	if format != runsnap.Format {
		return nil, fmt.Errorf("run %s: kept input in format %q; this paidan reads %q", id, format, runsnap.Format)
	}
	if got := sha256.Sum256(k.Data); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("run %s: %w: the kept archive's SHA-256 is not the one stored with it", id, runsnap.ErrUnreadable)
	}
	k.Run = runsnap.Run{RunID: rid, Partition: partition, InputHash: inHash.String, RulesHash: rHash.String,
		Status: status, Source: "database"}
	return &k, nil
}

// LatestForTask returns the id of the latest run (by start time) with a
// kept snapshot that assigned task id or left it out, or an error
// wrapping ErrNotKept.
func LatestForTask(ctx context.Context, db sqlx.QueryerContext, id string) (string, error) {
	var run string
	err := db.QueryRowxContext(ctx, `SELECT r.id FROM paidan.run r JOIN paidan.run_input i ON i.run_id = r.id
		WHERE r.id IN (SELECT run_id FROM paidan.assignment WHERE task_id = $1
		               UNION ALL SELECT run_id FROM paidan.unassigned WHERE task_id = $1)
		ORDER BY r.started_at DESC, r.id DESC LIMIT 1`, id).Scan(&run)
	switch {
	case errors.Is(err, sql.ErrNoRows) || isUndefinedTable(err):
		return "", fmt.Errorf("task %s: %w", id, ErrNotKept)
	case err != nil:
		return "", fmt.Errorf("find the latest kept run of task %s: %w", id, err)
	}
	return run, nil
}

// isUndefinedTable reports a database whose schema predates
// paidan.run_input (SQLSTATE 42P01): nothing is kept there.
func isUndefinedTable(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42P01"
}

// Explained is a task's explanation from a kept run.
type Explained struct {
	Run         runsnap.Run
	AsOf        time.Time // the run's planning instant
	Explanation *model.Explanation
}

// Explainer explains tasks from kept run snapshots: the latest kept run
// that decided about the task is unpacked, read (runsnap.Read) and
// prepared for explanations (model.NewExplainer, the code of "paidan
// explain --plan"). The last few runs prepared are cached, since a run is
// never changed once kept: a second task of a cached run costs its own
// explanation only. Prefetch prepares a run before anyone asks (Prefetcher
// does so for the newest kept runs). DB is required. Safe for concurrent
// use.
type Explainer struct {
	DB *sqlx.DB
	// TmpDir is where snapshots are unpacked to be read; "" means
	// os.TempDir().
	TmpDir string
	// Cache is how many prepared runs are kept in memory, the least
	// recently used leaving first. Zero means DefaultExplainCache.
	Cache int
	// Wait is how long ExplainTask waits for a run that is not prepared
	// yet before it returns ErrPreparing; the preparation goes on in the
	// background (at most 5 minutes), so that the next call finds the run
	// cached. Zero waits until the run is prepared.
	Wait time.Duration

	mu       sync.Mutex
	cached   []*preparedRun // most recent last
	inflight map[string]*preparing
	stats    ExplainerStats
}

// DefaultExplainCache is how many prepared runs an Explainer keeps when
// its Cache is zero.
const DefaultExplainCache = 2

// ExplainerStats counts what an Explainer did since it was made.
type ExplainerStats struct {
	// Hits counts the explanations answered from a run already prepared.
	Hits int64
	// Reads counts the kept runs read from the database and prepared,
	// whoever asked for them.
	Reads int64
	// Prefetched counts the runs that Prefetch found unprepared and had
	// prepared.
	Prefetched int64
	// Cached lists the prepared runs in memory, least recently used first.
	Cached []string
}

// Stats returns what e did so far.
func (e *Explainer) Stats() ExplainerStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Cached = make([]string, len(e.cached))
	for i, p := range e.cached {
		s.Cached[i] = p.run.RunID
	}
	return s
}

// cacheSize is e.Cache with its default.
func (e *Explainer) cacheSize() int {
	if e.Cache <= 0 {
		return DefaultExplainCache
	}
	return e.Cache
}

// preparing is a run being read and prepared; done is closed when p or
// err is set.
type preparing struct {
	done chan struct{}
	p    *preparedRun
	err  error
}

// preparedRun is a kept run read and prepared for explanations.
type preparedRun struct {
	run  runsnap.Run
	asOf time.Time
	x    *model.Explainer
}

// ExplainTask explains task id from the latest kept run that assigned it
// or left it out. A task no kept run decided about returns an error
// wrapping ErrNotKept; a task unknown to it, model.ErrNoTask.
func (e *Explainer) ExplainTask(ctx context.Context, id paidan.TaskID) (*Explained, error) {
	run, err := LatestForTask(ctx, e.DB, string(id))
	if err != nil {
		return nil, err
	}
	p, hit, err := e.prepared(ctx, run, e.Wait)
	if err != nil {
		return nil, err
	}
	if hit {
		e.mu.Lock()
		e.stats.Hits++
		e.mu.Unlock()
	}
	x, err := p.x.Explain(id)
	if err != nil {
		return nil, fmt.Errorf("explain task %s from run %s: %w", id, run, err)
	}
	return &Explained{Run: p.run, AsOf: p.asOf, Explanation: x}, nil
}

// Prefetch prepares kept run id for explanations, unless it is prepared
// already, and makes it the most recently used run of the cache. It waits
// for the preparation (bounded by ctx; the preparation itself goes on in
// the background when ctx ends first). A run without a kept snapshot
// returns an error wrapping ErrNotKept.
func (e *Explainer) Prefetch(ctx context.Context, run string) error {
	_, hit, err := e.prepared(ctx, run, 0)
	if err != nil {
		return err
	}
	if !hit {
		e.mu.Lock()
		e.stats.Prefetched++
		e.mu.Unlock()
	}
	return nil
}

// prepared returns run prepared for explanations: from the cache (hit), or
// read from the database by one preparation shared by every caller, which
// goes on in the background when a caller stops waiting (wait when
// positive, or ctx).
func (e *Explainer) prepared(ctx context.Context, run string, wait time.Duration) (_ *preparedRun, hit bool, _ error) {
	e.mu.Lock()
	for i, p := range e.cached {
		if p.run.RunID == run {
			e.cached = append(append(e.cached[:i:i], e.cached[i+1:]...), p)
			e.mu.Unlock()
			return p, true, nil
		}
	}
	f, ok := e.inflight[run]
	if !ok {
		if e.inflight == nil {
			e.inflight = map[string]*preparing{}
		}
		f = &preparing{done: make(chan struct{})}
		e.inflight[run] = f
		go e.prepare(context.WithoutCancel(ctx), run, f)
	}
	e.mu.Unlock()
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-f.done:
		return f.p, false, f.err
	case <-timeout:
		return nil, false, fmt.Errorf("run %s: %w", run, ErrPreparing)
	case <-ctx.Done():
		return nil, false, fmt.Errorf("run %s: %w", run, ctx.Err())
	}
}

// prepare reads run and prepares it into f, then caches it (a failure is
// not cached: the next call tries again).
func (e *Explainer) prepare(ctx context.Context, run string, f *preparing) {
	ctx, cancel := context.WithTimeout(ctx, prepareTimeout)
	defer cancel()
	f.p, f.err = e.read(ctx, run)
	e.mu.Lock()
	delete(e.inflight, run)
	if f.err == nil {
		e.stats.Reads++
		size := e.cacheSize()
		e.cached = append(e.cached, f.p)
		if n := len(e.cached) - size; n > 0 {
			// Shift down and clear the tail, so that the backing array
			// holds no evicted run (about 0.55 KB a task: tens of MB for a
			// large run).
			copy(e.cached, e.cached[n:])
			clear(e.cached[size:])
			e.cached = e.cached[:size]
		}
	}
	e.mu.Unlock()
	close(f.done)
}

// read reads run's kept snapshot and prepares its explanations.
func (e *Explainer) read(ctx context.Context, run string) (*preparedRun, error) {
	s, err := ReadRun(ctx, e.DB, run, e.TmpDir)
	if err != nil {
		return nil, err
	}
	x, err := model.NewExplainer(s.Batch, s.Rules, s.Plan)
	if err != nil {
		return nil, fmt.Errorf("explain from run %s: %w", run, err)
	}
	return &preparedRun{run: s.Run, asOf: s.Plan.AsOf, x: x}, nil
}

// ReadRun reads run's kept snapshot: Get, unpacked into a temporary
// directory under tmpDir ("" for os.TempDir()) that is removed after
// runsnap.Read.
func ReadRun(ctx context.Context, db sqlx.QueryerContext, run, tmpDir string) (*runsnap.Snapshot, error) {
	k, err := Get(ctx, db, run)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(tmpDir, "paidan-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "run")
	if err := runsnap.Unpack(k.Data, k.Run, dir, 0); err != nil {
		return nil, err
	}
	s, err := runsnap.Read(ctx, dir)
	if err != nil {
		return nil, err
	}
	s.Dir = ""
	return s, nil
}
