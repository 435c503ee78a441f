package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// snapshotSource is a Source that remembers the AsOf of the batch it last
// loaded: the time of the load's snapshot.
type snapshotSource struct {
	*jobspg.Source
	asOf time.Time
}

func (s *snapshotSource) Load(ctx context.Context, partition string) (*paidan.Batch, []*paidan.InputError, error) {
	b, poisoned, err := s.Source.Load(ctx, partition)
	if b != nil {
		s.asOf = b.AsOf
	}
	return b, poisoned, err
}

// TestRunRecordsSnapshotAsOf runs a partition as the runtime role and
// checks paidan.run.as_of is the time of the snapshot the run loaded, a
// time of the database's clock within the run, and that it is set once:
// neither it nor anything else of the final run changes afterwards.
func TestRunRecordsSnapshotAsOf(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	seed(t, owner, "north", 40, 11)
	var before time.Time
	if err := owner.Get(&before, `SELECT clock_timestamp()`); err != nil {
		t.Fatal(err)
	}
	r := newRunner(runtime, nil)
	src := &snapshotSource{Source: &jobspg.Source{DB: runtime}}
	r.Source = src
	res := r.Run(t.Context(), "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run %s: %s %s %v", res.RunID, res.Status, res.Reason, res.Err)
	}
	var row struct {
		AsOf       *time.Time `db:"as_of"`
		FinishedAt time.Time  `db:"finished_at"`
	}
	if err := owner.Get(&row, `SELECT as_of, finished_at FROM paidan.run WHERE id = $1`, res.RunID); err != nil {
		t.Fatal(err)
	}
	if row.AsOf == nil {
		t.Fatal("as_of is NULL")
	}
	if src.asOf.IsZero() || !row.AsOf.Equal(src.asOf) {
		t.Errorf("as_of %v, want the load snapshot's time %v", row.AsOf, src.asOf)
	}
	if row.AsOf.Before(before) || row.AsOf.After(row.FinishedAt) {
		t.Errorf("as_of %v outside the run [%v, %v] on the database's clock", row.AsOf, before, row.FinishedAt)
	}

	for _, c := range []struct{ name, query string }{
		{"as_of again", `UPDATE paidan.run SET as_of = now() WHERE id = $1`},
		{"as_of cleared", `UPDATE paidan.run SET as_of = NULL WHERE id = $1`},
		{"status of a final run", `UPDATE paidan.run SET status = 'failed' WHERE id = $1`},
	} {
		_, err := owner.Exec(c.query, res.RunID)
		if pqErr, ok := err.(*pq.Error); !ok || pqErr.Code != "23514" {
			t.Errorf("%s: err %v, want check_violation (23514)", c.name, err)
		}
	}
}

// TestRunGuardAsOfAlone checks as_of may be set on a final run only alone:
// an UPDATE setting it together with another column is refused.
func TestRunGuardAsOfAlone(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	execSQL(t, owner, `INSERT INTO paidan.run (id, partition, status, finished_at, error) VALUES ('r-1', 'north', 'failed', now(), 'boom')`)
	if _, err := runtime.Exec(`UPDATE paidan.run SET as_of = now(), error = 'other' WHERE id = 'r-1'`); err == nil {
		t.Error("as_of set together with error on a final run")
	}
	if _, err := runtime.Exec(`UPDATE paidan.run SET as_of = now() WHERE id = 'r-1'`); err != nil {
		t.Errorf("the runtime role cannot set as_of once: %v", err)
	}
}
