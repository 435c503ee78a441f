package pgschema_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgtest"
)

func mustExec(t *testing.T, db sqlx.ExecerContext, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

type historyRow struct {
	Table  string  `db:"table_name"`
	Row    string  `db:"row_id"`
	Op     string  `db:"operation"`
	Column *string `db:"column_name"`
	Old    *string `db:"old_value"`
	New    *string `db:"new_value"`
	By     string  `db:"changed_by"`
	Actor  *string `db:"actor"`
}

func history(t *testing.T, db *sqlx.DB) []historyRow {
	t.Helper()
	var rows []historyRow
	if err := db.Select(&rows, `SELECT table_name, row_id, operation, column_name, old_value::text, new_value::text, changed_by, actor
		FROM paidan.edit_history ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestHistoryKept: a deleted task's assignment rows move to the archive,
// its row to the edit history; business edits are recorded column by
// column with who and when; the write-back's own changes are not.
func TestHistoryKept(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	mustExec(t, owner, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w1', 'north', 5, 0, 0)`)
	mustExec(t, owner, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('t1', 'north', 0, 0), ('t2', 'north', 0, 0)`)

	// A write-back's changes (written directly here): no history rows.
	tx := owner.MustBegin()
	mustExec(t, tx, `INSERT INTO paidan.run (id, partition) VALUES ('run-1', 'north')`)
	mustExec(t, tx, `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
		VALUES ('run-1', 't1', 'w1', 1, 1, 0, 0)`)
	mustExec(t, tx, `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w1', assigned_run = 'run-1' WHERE id = 't1'`)
	mustExec(t, tx, `UPDATE paidan.run SET status = 'applied', certificate = 'verified', finished_at = now(), assigned = 1 WHERE id = 'run-1'`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if h := history(t, owner); len(h) != 0 {
		t.Fatalf("the write-back left history rows: %+v", h)
	}

	// The business system edits, naming its user in paidan.actor.
	tx = owner.MustBegin()
	mustExec(t, tx, `SET LOCAL paidan.actor = 'alice@ops'`)
	mustExec(t, tx, `UPDATE paidan.task SET priority = 3, region = 'r9' WHERE id = 't2'`)
	mustExec(t, tx, `UPDATE paidan.worker SET capacity = 7, worker_group = 'vans' WHERE id = 'w1'`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A group name is printable and at most 200 bytes (worker_group_name).
	for _, bad := range []string{`E'vans\x1b[2J'`, `repeat('g', 201)`} {
		_, err := owner.Exec(`UPDATE paidan.worker SET worker_group = ` + bad + ` WHERE id = 'w1'`)
		if err == nil || !strings.Contains(err.Error(), "worker_group_name") {
			t.Errorf("worker_group = %s: %v, want a violation of worker_group_name", bad, err)
		}
	}
	mustExec(t, owner, `UPDATE paidan.task SET status = 'done' WHERE id = 't1'`)
	mustExec(t, owner, `DELETE FROM paidan.task WHERE id = 't1'`)

	var owning string
	if err := owner.Get(&owning, `SELECT session_user`); err != nil {
		t.Fatal(err)
	}
	h := history(t, owner)
	str := func(s string) *string { return &s }
	want := []historyRow{
		{"task", "t2", "update", str("region"), str(`""`), str(`"r9"`), owning, str("alice@ops")},
		{"task", "t2", "update", str("priority"), str("0"), str("3"), owning, str("alice@ops")},
		{"worker", "w1", "update", str("capacity"), str("5"), str("7"), owning, str("alice@ops")},
		{"worker", "w1", "update", str("worker_group"), str(`""`), str(`"vans"`), owning, str("alice@ops")},
		{"task", "t1", "update", str("status"), str(`"assigned"`), str(`"done"`), owning, nil},
	}
	if len(h) != len(want)+1 {
		t.Fatalf("history %+v, want %d updates and a delete", h, len(want))
	}
	for i, w := range want {
		g := h[i]
		if g.Table != w.Table || g.Row != w.Row || g.Op != w.Op || *g.Column != *w.Column || *g.Old != *w.Old ||
			*g.New != *w.New || g.By != w.By || (g.Actor == nil) != (w.Actor == nil) || (g.Actor != nil && *g.Actor != *w.Actor) {
			t.Errorf("history[%d] = %+v, want %+v", i, g, w)
		}
	}
	del := h[len(want)]
	var old map[string]any
	if del.Op != "delete" || del.Row != "t1" || del.Old == nil || json.Unmarshal([]byte(*del.Old), &old) != nil ||
		old["assigned_run"] != "run-1" || old["status"] != "done" {
		t.Errorf("delete row %+v, want the whole old row of t1", del)
	}

	// What run-1 decided about t1 survives the delete.
	var archived struct {
		Run    string `db:"run_id"`
		Worker string `db:"worker_id"`
	}
	if err := owner.Get(&archived, `SELECT run_id, worker_id FROM paidan.assignment_archive WHERE task_id = 't1'`); err != nil {
		t.Fatalf("archived assignment of t1: %v", err)
	}
	if archived.Run != "run-1" || archived.Worker != "w1" {
		t.Errorf("archived %+v, want run-1 / w1", archived)
	}
	var live int
	if err := owner.Get(&live, `SELECT count(*) FROM paidan.assignment WHERE task_id = 't1'`); err != nil || live != 0 {
		t.Errorf("live assignments of a deleted task: %d (%v)", live, err)
	}

	// Nobody but the owner changes history, and the owner meets the guard.
	for _, q := range []string{`UPDATE paidan.edit_history SET actor = 'mallory'`, `DELETE FROM paidan.assignment_archive`} {
		if _, err := runtime.Exec(q); err == nil {
			t.Errorf("runtime: %s succeeded", q)
		}
		if _, err := owner.Exec(q); err == nil {
			t.Errorf("owner (guard trigger on): %s succeeded", q)
		}
	}
}
