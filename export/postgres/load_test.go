package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// roleLogins returns three connections to a new migrated database: as the
// role that migrated it, and as login roles holding nothing but membership
// in paidan_business (the systems that complete, cancel and edit tasks and
// manage workers) and in paidan_runtime (a scheduler).
func roleLogins(t *testing.T) (owner, business, runtime *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	open := func(u url.URL) *sqlx.DB {
		db, err := sqlx.Open("postgres", u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	as := func(login, group string) *sqlx.DB {
		tx, err := pgtest.Admin(t).BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for _, q := range []string{
			`SELECT pg_advisory_xact_lock(hashtext(` + pq.QuoteLiteral(login) + `))`,
			`DO $$ BEGIN
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ` + pq.QuoteLiteral(login) + `) THEN
					CREATE ROLE ` + pq.QuoteIdentifier(login) + ` LOGIN INHERIT PASSWORD ` + pq.QuoteLiteral(login) + `;
				END IF;
			END $$`,
			`GRANT ` + pq.QuoteIdentifier(group) + ` TO ` + pq.QuoteIdentifier(login),
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				t.Fatalf("create login %s: %v", login, err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		v := *u
		v.User = url.UserPassword(login, login)
		return open(v)
	}
	return open(*u), as("paidan_test_writeback_business", "paidan_business"),
		as("paidan_test_writeback_runtime", "paidan_runtime")
}

// workerLoads returns, per worker, "load/assigned tasks/active
// assignments", which must agree.
func workerLoads(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	var rows []struct {
		ID   string `db:"id"`
		Load int    `db:"load"`
		Held int    `db:"held"`
		Act  int    `db:"active"`
	}
	if err := db.Select(&rows, `SELECT w.id, w.load,
			(SELECT count(*) FROM paidan.task t WHERE t.assigned_worker = w.id AND t.status = 'assigned') AS held,
			(SELECT count(*) FROM paidan.assignment a WHERE a.worker_id = w.id AND a.active) AS active
		FROM paidan.worker w ORDER BY w.id`); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = fmt.Sprintf("%d/%d/%d", r.Load, r.Held, r.Act)
	}
	return out
}

// checkLoads fails unless every worker's load equals both the tasks it
// holds and its active assignments, and equals want where want names it.
func checkLoads(t *testing.T, db *sqlx.DB, step string, want map[string]int) {
	t.Helper()
	for id, got := range workerLoads(t, db) {
		var load, held, act int
		if _, err := fmt.Sscanf(got, "%d/%d/%d", &load, &held, &act); err != nil {
			t.Fatal(err)
		}
		if load != held || load != act {
			t.Errorf("%s: worker %s load/assigned tasks/active assignments = %s; want all equal", step, id, got)
		}
		if w, ok := want[id]; ok && load != w {
			t.Errorf("%s: worker %s load %d, want %d", step, id, load, w)
		}
	}
}

// TestWriteBackMaintainsLoad interleaves write-backs (the single-statement
// path, the ranked path when a worker is short, and both with refused
// assignments) with the business role completing, cancelling, unassigning
// and editing tasks and changing capacities, and checks after every step
// that each worker's load equals the tasks it holds and its active
// assignments: apply_run adds its own assignments to load (00057) and the
// trigger handles every other change.
func TestWriteBackMaintainsLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, business, runtime := roleLogins(t)
	checkInvariantsAtEnd(t, owner)
	addWorkers(t, owner, "north", map[string]int{"w1": 3, "w2": 2, "w3": 5, "w4": 1})
	addTasks(t, owner, "north", ids("t", 14)...)
	biz := func(q string) {
		t.Helper()
		if _, err := business.ExecContext(ctx, q); err != nil {
			t.Fatalf("as paidan_business: %s: %v", q, err)
		}
	}
	version := func(id string) int {
		return count(t, owner, `SELECT version FROM paidan.worker WHERE id = $1`, id)
	}

	// Run 1, the single-statement path: every worker has room.
	b := load(t, owner, "north")
	v1 := version("w1")
	res := apply(t, owner, "run-1", plan(t, "run-1", b,
		"t000000=w1", "t000001=w1", "t000002=w2", "t000003=w3", "t000004=w3", "t000005=w4"), b)
	if res.Assigned != 6 || len(res.Conflicts) != 0 {
		t.Fatalf("run-1 assigned %d, conflicts %v; want 6, none", res.Assigned, res.Conflicts)
	}
	checkLoads(t, owner, "run-1", map[string]int{"w1": 2, "w2": 1, "w3": 2, "w4": 1})
	if got := version("w1"); got != v1+1 {
		t.Errorf("worker w1 version %d after run-1, want %d (one bump per write-back)", got, v1+1)
	}

	// The business systems: one task done, one cancelled, one unassigned
	// (back to pending), a capacity cut and a pending task edited.
	biz(`UPDATE paidan.task SET status = 'done' WHERE id = 't000000'`)
	biz(`UPDATE paidan.task SET status = 'cancelled' WHERE id = 't000003'`)
	biz(`UPDATE paidan.task SET status = 'pending' WHERE id = 't000005'`)
	biz(`UPDATE paidan.worker SET capacity = 2 WHERE id = 'w3'`)
	checkLoads(t, owner, "business changes", map[string]int{"w1": 1, "w2": 1, "w3": 1, "w4": 0})

	// Run 2, single statement with a refused assignment: a planned task is
	// edited after the load, so fewer tasks are assigned than planned.
	b = load(t, owner, "north")
	p := plan(t, "run-2", b, "t000005=w4", "t000006=w1", "t000007=w3")
	biz(`UPDATE paidan.task SET priority = 3 WHERE id = 't000006'`)
	res = apply(t, owner, "run-2", p, b)
	if res.Assigned != 2 || res.ConflictCounts()[postgres.TaskChanged] != 1 {
		t.Fatalf("run-2 assigned %d, conflicts %v; want 2 and one task_changed", res.Assigned, res.Conflicts)
	}
	checkLoads(t, owner, "run-2", map[string]int{"w1": 1, "w3": 2, "w4": 1})

	// Run 3, the ranked path: w2 (room 1) is planned two tasks.
	b = load(t, owner, "north")
	res = apply(t, owner, "run-3", plan(t, "run-3", b, "t000006=w2", "t000008=w2", "t000010=w1"), b)
	if res.Assigned != 2 || res.ConflictCounts()[postgres.WorkerFull] != 1 {
		t.Fatalf("run-3 assigned %d, conflicts %v; want 2 and one worker_full", res.Assigned, res.Conflicts)
	}
	checkLoads(t, owner, "run-3", map[string]int{"w1": 2, "w2": 2})

	// More business changes, then a run through the runtime role.
	biz(`UPDATE paidan.task SET status = 'done' WHERE assigned_worker = 'w2' AND status = 'assigned'`)
	biz(`UPDATE paidan.task SET status = 'pending' WHERE id = 't000010'`)
	biz(`UPDATE paidan.worker SET active = false WHERE id = 'w4'`)
	checkLoads(t, owner, "business changes 2", map[string]int{"w1": 1, "w2": 0, "w4": 1})
	b = load(t, owner, "north")
	if _, err := postgres.Apply(ctx, runtime, paidan.Run{ID: "run-4"}, plan(t, "run-4", b, "t000010=w2", "t000011=w2"), b); err != nil {
		t.Fatal(err)
	}
	checkLoads(t, owner, "run-4", map[string]int{"w1": 1, "w2": 2})

	// Outside the write-back load stays the database's: the owner's direct
	// write is refused by worker_guard, the business role's by privilege.
	if _, err := owner.ExecContext(ctx, `UPDATE paidan.worker SET load = load + 1 WHERE id = 'w3'`); pqCode(err) != "23514" {
		t.Errorf("owner writing load: err %v, want 23514", err)
	}
	if _, err := business.ExecContext(ctx, `UPDATE paidan.worker SET load = 0 WHERE id = 'w3'`); pqCode(err) != "42501" {
		t.Errorf("business role writing load: err %v, want 42501", err)
	}
}
