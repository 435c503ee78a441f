package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/postgres"
)

// TestSnapshotPassesPoisonedRowsOn stores times PostgreSQL holds but paidan
// cannot (±infinity, year 1) in rows older than the constraints: the
// snapshot passes every row on, the bad values as missing, and lists each.
func TestSnapshotPassesPoisonedRowsOn(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedTiny(t, db)
	exec(t, db, `ALTER TABLE paidan.task DROP CONSTRAINT task_due_at_range`)
	exec(t, db, `ALTER TABLE paidan.worker DROP CONSTRAINT worker_shift_end_range`)
	exec(t, db, `UPDATE paidan.task SET due_at = 'infinity' WHERE id = 'T01'`)
	exec(t, db, `UPDATE paidan.task SET due_at = '0001-01-01 00:00:00+00' WHERE id = 'T02'`)
	exec(t, db, `UPDATE paidan.worker SET shift_end = '-infinity' WHERE id = 'W3'`)

	var tasks, workers []string
	var due = map[string]bool{}
	rep, err := postgres.Snapshot(context.Background(), db, postgres.SnapshotVisitor{
		Task: func(r *paidan.TaskRecord) error {
			tasks = append(tasks, r.ID)
			due[r.ID] = !r.DueAt.IsZero()
			return nil
		},
		Worker: func(r *paidan.WorkerRecord) error {
			workers = append(workers, r.ID)
			if r.ID == "W3" && !r.ShiftEnd.IsZero() {
				t.Errorf("W3 shift_end %v, want missing", r.ShiftEnd)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 10 || len(workers) != 4 {
		t.Errorf("snapshot passed %d tasks and %d workers on, want 10 and 4", len(tasks), len(workers))
	}
	if due["T01"] || due["T02"] {
		t.Errorf("T01 and T02 kept a due time: %v", due)
	}
	want := []struct{ source, key, field, value string }{
		{postgres.WorkerTable, "W3", "shift_end", "-infinity"},
		{postgres.TaskTable, "T01", "due_at", "infinity"},
		{postgres.TaskTable, "T02", "due_at", "0001-01-01"},
	}
	if len(rep.Problems) != len(want) {
		t.Fatalf("problems %v, want %d", rep.Problems, len(want))
	}
	for i, w := range want {
		p := rep.Problems[i]
		fe, _ := errors.AsType[*paidan.FieldError](p)
		if p.Source != w.source || p.Key != w.key || fe == nil || fe.Field != w.field ||
			!errors.Is(p, paidan.ErrOutOfRange) || !strings.Contains(p.Error(), w.value) {
			t.Errorf("problem %d = %v; want %s %s %s holding %s", i, p, w.source, w.key, w.field, w.value)
		}
	}
	if rep.At.IsZero() {
		t.Error("no snapshot time")
	}
}

// TestSnapshotStopsOnVisitorError checks that a visitor's error ends the
// snapshot and is returned.
func TestSnapshotStopsOnVisitorError(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedTiny(t, db)
	stop := errors.New("disk full")
	n := 0
	_, err := postgres.Snapshot(context.Background(), db, postgres.SnapshotVisitor{
		Task: func(*paidan.TaskRecord) error { n++; return stop },
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Snapshot = %v after %d rows, want the visitor's error after 1", err, n)
	}
}
