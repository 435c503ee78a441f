package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// applyRunTx writes, in tx, an applied run of partition north that assigns
// each task of tasks (created here) to its worker, as the write-back
// leaves it.
func applyRunTx(t *testing.T, ctx context.Context, tx sqlx.ExecerContext, run string, tasks map[string]string) {
	t.Helper()
	startRunTx(t, ctx, tx, run)
	finishRunTx(t, ctx, tx, run, tasks)
}

// startRunTx records run as running in tx; its first write gives tx its
// transaction id.
func startRunTx(t *testing.T, ctx context.Context, tx sqlx.ExecerContext, run string) {
	t.Helper()
	if _, err := tx.ExecContext(ctx, `INSERT INTO paidan.run (id, partition, status, certificate) VALUES ($1, 'north', 'running', 'verified')`, run); err != nil {
		t.Fatalf("start run %s: %v", run, err)
	}
}

// finishRunTx assigns tasks (created here) to their workers under run
// and applies it, in tx.
func finishRunTx(t *testing.T, ctx context.Context, tx sqlx.ExecerContext, run string, tasks map[string]string) {
	t.Helper()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("apply run %s: %v\n%s", run, err, q)
		}
	}
	for task, worker := range tasks {
		exec(`INSERT INTO paidan.task (id, partition, region, skills, lat, lon) VALUES ($1, 'north', 'east', '{plumbing}', 52.5, 13.4)`, task)
		exec(`UPDATE paidan.task SET status = 'assigned', assigned_worker = $2, assigned_run = $3 WHERE id = $1`, task, worker, run)
		exec(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
			VALUES ($3, $1, $2, 1, 1, 0, 0)`, task, worker, run)
	}
	exec(`UPDATE paidan.run SET status = 'applied', finished_at = now() WHERE id = $1`, run)
}

// TestWorkerRunsNeverSkipALaterCommit: a write-back that started first
// but commits last is still read after the cursor that a run committed
// meanwhile would have moved, because the feed is read below the
// snapshot's xmin only. The worker sees only its own assignments.
func TestWorkerRunsNeverSkipALaterCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, f := consoletest.New(t, 20)
	if _, err := owner.ExecContext(ctx, `UPDATE paidan.worker SET capacity = 100`); err != nil {
		t.Fatal(err)
	}
	sn, err := st.WorkerSnapshot(ctx, "w01")
	if err != nil {
		t.Fatal(err)
	}
	snap, cursor := sn.Assignments, sn.Cursor
	var want int
	if err := owner.GetContext(ctx, &want, `SELECT count(*) FROM paidan.assignment WHERE worker_id = 'w01' AND active`); err != nil {
		t.Fatal(err)
	}
	if len(snap) != want || want == 0 || snap[0].RunID != f.Run {
		t.Fatalf("snapshot of w01 = %d assignments (%+v); want the %d of run %s", len(snap), snap, want, f.Run)
	}
	if _, err := st.WorkerSnapshot(ctx, "nobody"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("snapshot of an unknown worker: %v; want ErrNotFound", err)
	}

	// slow takes its transaction id first and commits last.
	slow, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	startRunTx(t, ctx, slow, "north-slow")
	fast, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyRunTx(t, ctx, fast, "north-fast", map[string]string{"f1": "w01"})
	if err := fast.Commit(); err != nil {
		t.Fatal(err)
	}
	var fastAt console.StreamCursor
	if err := owner.QueryRowxContext(ctx, `SELECT xid::text::bigint, seq FROM paidan.run_applied WHERE run_id = 'north-fast'`).
		Scan(&fastAt.XID, &fastAt.Seq); err != nil {
		t.Fatal(err)
	}
	// Transaction ids are the cluster's: other databases' open
	// transactions may hold the xmin back, never forward. Runs committed
	// before the snapshot but at or above its xmin come again (at least
	// once); the test looks at its own two.
	ours := func(runs []console.WorkerRun) []console.WorkerRun {
		var out []console.WorkerRun
		for _, r := range runs {
			if r.RunID == "north-slow" || r.RunID == "north-fast" {
				out = append(out, r)
			}
		}
		return out
	}
	runs, next, err := st.WorkerRuns(ctx, "w01", cursor, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ours(runs)) != 0 || !next.Less(fastAt) {
		t.Fatalf("while an older write-back is open: runs %+v, cursor %s -> %s (north-fast at %s); want neither run read, the cursor before north-fast",
			ours(runs), cursor, next, fastAt)
	}
	// (The worker rows' load locks would make the two wait for each
	// other had slow assigned before fast committed.)
	finishRunTx(t, ctx, slow, "north-slow", map[string]string{"s1": "w01", "s2": "w02"})
	if runs, _, err = st.WorkerRuns(ctx, "w01", cursor, 100); err != nil || len(ours(runs)) != 0 {
		t.Fatalf("before slow commits: %+v, %v; want neither", ours(runs), err)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if runs, next, err = st.WorkerRuns(ctx, "w01", cursor, 100); err != nil {
			t.Fatal(err)
		}
		if len(ours(runs)) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	runs = ours(runs)
	if len(runs) != 2 || runs[0].RunID != "north-slow" || runs[1].RunID != "north-fast" {
		t.Fatalf("after both commits: %+v; want north-slow then north-fast", runs)
	}
	if len(runs[0].Assignments) != 1 || runs[0].Assignments[0].Task != "s1" {
		t.Errorf("north-slow gave w01 %+v; want s1 only (s2 is w02's)", runs[0].Assignments)
	}
	if !cursor.Less(runs[0].Cursor) || !runs[0].Cursor.Less(runs[1].Cursor) {
		t.Errorf("cursors %s < %s < %s, next %s: want increasing", cursor, runs[0].Cursor, runs[1].Cursor, next)
	}
	if next.Less(runs[1].Cursor) {
		t.Errorf("next %s is before north-fast's %s", next, runs[1].Cursor)
	}
	// Resuming after the first gives the second only; after the last,
	// neither.
	if again, _, err := st.WorkerRuns(ctx, "w01", runs[0].Cursor, 100); err != nil || len(again) != 1 || again[0].RunID != "north-fast" {
		t.Errorf("resume after north-slow: %+v, %v; want north-fast", again, err)
	}
	if again, _, err := st.WorkerRuns(ctx, "w01", runs[1].Cursor, 100); err != nil || len(again) != 0 {
		t.Errorf("resume after the last: %+v, %v; want nothing", again, err)
	}
	// A limit of one reads one run at a time.
	if one, n1, err := st.WorkerRuns(ctx, "w01", console.StreamCursor{XID: runs[0].Cursor.XID, Seq: runs[0].Cursor.Seq - 1}, 1); err != nil || len(one) != 1 || n1 != one[0].Cursor || one[0].RunID != "north-slow" {
		t.Errorf("limit 1: %+v, %s, %v", one, n1, err)
	}
}

// TestWorkerTokens: issue, look up, revoke (audited); a revoked or
// expired token is not found; a token for an unknown worker is refused.
func TestWorkerTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, _ := consoletest.New(t, 10)
	now := time.Now()
	tok, wt, err := console.IssueWorkerToken(ctx, st, shell, console.NewWorkerTokenSpec{Worker: "w03", Name: "app", TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.WorkerTokenOf(ctx, console.HashSecret(tok), now); err != nil || got.ID != wt.ID || got.Worker != "w03" {
		t.Fatalf("WorkerTokenOf = %+v, %v", got, err)
	}
	if _, err := st.WorkerTokenOf(ctx, console.HashSecret(tok), now.Add(2*time.Hour)); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("expired token: %v; want ErrNotFound", err)
	}
	if _, _, err := console.IssueWorkerToken(ctx, st, shell, console.NewWorkerTokenSpec{Worker: "ghost", Name: "app", TTL: time.Hour}, now); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("token for an unknown worker: %v; want ErrNotFound", err)
	}
	if _, err := st.RevokeWorkerToken(ctx, shell, wt.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeWorkerToken(ctx, shell, wt.ID); !errors.Is(err, console.ErrConflict) {
		t.Errorf("second revoke: %v; want ErrConflict", err)
	}
	if _, err := st.WorkerTokenOf(ctx, console.HashSecret(tok), now); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("revoked token: %v; want ErrNotFound", err)
	}
	var actions []string
	if err := owner.SelectContext(ctx, &actions, `SELECT action FROM paidan.audit WHERE target = $1 ORDER BY id`,
		"worker_token:"+itoa(wt.ID)); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 2 || actions[0] != "worker_token.issue" || actions[1] != "worker_token.revoke" {
		t.Errorf("audit of the token = %v; want issue, revoke", actions)
	}
	var hashes int
	if err := owner.GetContext(ctx, &hashes, `SELECT count(*) FROM paidan.audit WHERE after::text LIKE '%' || $1 || '%'`, tok[4:20]); err != nil || hashes != 0 {
		t.Errorf("the token appears in the audit trail (%d entries, %v)", hashes, err)
	}
}

// TestListeningWakesOnAppliedRun: Listening's channel closes when a run
// is applied (the trigger's NOTIFY at commit), not before the commit.
func TestListeningWakesOnAppliedRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL, consoleURL := pgtest.NewConsoleURL(t)
	owner := sqlx.MustOpen("postgres", ownerURL)
	defer owner.Close()
	cdb := sqlx.MustOpen("postgres", consoleURL)
	defer cdb.Close()
	consoletest.Seed(t, owner, &postgres.Store{DB: cdb}, 10)
	if _, err := owner.ExecContext(ctx, `UPDATE paidan.worker SET capacity = 100`); err != nil {
		t.Fatal(err)
	}
	l := postgres.Listen(&postgres.Store{DB: cdb}, consoleURL, nil)
	defer l.Close()
	// The listener connects in the background: wake it with applied runs
	// until one is heard, each checked not to be heard before its commit.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		wake := l.RunApplied()
		tx := owner.MustBeginTx(ctx, nil)
		applyRunTx(t, ctx, tx, "north-wake-"+itoa(int64(i)), map[string]string{"wake-" + itoa(int64(i)): "w01"})
		select {
		case <-wake:
			t.Fatal("woken before the write-back committed")
		case <-time.After(200 * time.Millisecond):
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wake:
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-l.Closed():
			default:
				t.Error("Closed() not closed after Close")
			}
			return
		case <-time.After(2 * time.Second):
		}
		if time.Now().After(deadline) {
			t.Fatal("no announcement heard within 30 s")
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
