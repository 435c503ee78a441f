package jobstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs/jobstest"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostgres runs the conformance suite over the PostgreSQL adapters,
// each subtest on a migrated database of its own, the adapters connected
// as a role that holds only paidan_runtime and the store arranged by the
// schema owner, as in production.
func TestPostgres(t *testing.T) {
	jobstest.Exercise(t, func(tb testing.TB) *jobstest.Driver {
		owner, runtime := pgtest.NewRuntime(tb)
		locker := &jobspg.Locker{DB: runtime}
		return &jobstest.Driver{
			Source: &jobspg.Source{DB: runtime},
			Writer: &jobspg.Writer{DB: runtime, Locker: locker},
			Locker: locker,
			Store:  pgStore{owner},
		}
	})
}

// pgStore arranges and inspects the tables as the schema owner.
type pgStore struct{ db *sqlx.DB }

func (s pgStore) Seed(tb testing.TB, b *paidan.Batch) {
	tb.Helper()
	// The database plans at its own now(): move the dataset's times there.
	if _, err := ingestpg.Seed(context.Background(), s.db, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		tb.Fatalf("seed %s: %v", b.Partition, err)
	}
}

func (s pgStore) Cancel(tb testing.TB, partition string, task paidan.TaskID) {
	tb.Helper()
	res, err := s.db.Exec(`UPDATE paidan.task SET status = 'cancelled' WHERE partition = $1 AND id = $2 AND status = 'pending'`, partition, string(task))
	if err != nil {
		tb.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		tb.Fatalf("cancel %s: %d rows, want 1", task, n)
	}
}

func (s pgStore) Runs(tb testing.TB, partition string) []paidan.Run {
	tb.Helper()
	var rows []struct {
		ID     string `db:"id"`
		Status string `db:"status"`
	}
	if err := s.db.Select(&rows, `SELECT id, status FROM paidan.run WHERE partition = $1`, partition); err != nil {
		tb.Fatal(err)
	}
	out := make([]paidan.Run, len(rows))
	for i, r := range rows {
		st, err := paidan.ParseRunStatus(r.Status)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = paidan.Run{ID: r.ID, Partition: partition, Status: st}
	}
	return out
}

func (s pgStore) Assigned(tb testing.TB, partition string) int {
	tb.Helper()
	var n int
	if err := s.db.Get(&n, `SELECT count(*) FROM paidan.task WHERE partition = $1 AND status = 'assigned'`, partition); err != nil {
		tb.Fatal(err)
	}
	return n
}
