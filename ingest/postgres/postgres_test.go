package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newDB returns a migrated database of the test's own and checks the
// dispatch invariants on it when the test ends.
func newDB(t *testing.T) *sqlx.DB {
	t.Helper()
	db := pgtest.New(t)
	t.Cleanup(func() {
		if err := exportpg.CheckInvariants(context.Background(), db); err != nil {
			t.Error(err)
		}
	})
	return db
}

func exec(t *testing.T, db sqlx.ExecerContext, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func load(t *testing.T, db *sqlx.DB, partition string, opts postgres.LoadOptions) (*paidan.Batch, *postgres.LoadReport) {
	t.Helper()
	b, r, err := postgres.Load(context.Background(), db, partition, opts)
	if err != nil {
		t.Fatalf("Load(%q): %v", partition, err)
	}
	return b, r
}

func taskIDs(b *paidan.Batch) []paidan.TaskID {
	ids := []paidan.TaskID{}
	for _, t := range b.Tasks {
		ids = append(ids, t.ID)
	}
	return ids
}

func workerIDs(b *paidan.Batch) []paidan.WorkerID {
	ids := []paidan.WorkerID{}
	for _, w := range b.Workers {
		ids = append(ids, w.ID)
	}
	return ids
}

func TestLoadMapsRows(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	exec(t, db, `INSERT INTO paidan.worker (id, partition, regions, skills, capacity, active, lat, lon,
			shift_start, shift_end, max_distance_km) VALUES
		('w2', 'north', '{r1,r2}', '{forklift}', 3, true, 52.5, 13.4,
			'2026-01-01T08:00:00Z', '2026-01-01T16:00:00Z', 12.5),
		('w1', 'north', '{}', '{}', 0, true, -33.9, 151.2, NULL, NULL, 0),
		('w-off', 'north', '{}', '{}', 5, false, 0, 0, NULL, NULL, 0),
		('w-south', 'south', '{}', '{}', 5, true, 0, 0, NULL, NULL, 0)`)
	exec(t, db, `INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon,
			created_at, due_at, pinned_worker, previous_worker) VALUES
		('t2', 'north', 'r1', '{forklift,ladder}', 3, 52.52, 13.41,
			'2026-01-01T07:00:00Z', '2026-01-01T12:00:00Z', 'w2', 'w9'),
		('t1', 'north', '', '{}', 0, 1, 2, '2026-01-01T06:00:00Z', NULL, NULL, NULL),
		('t-south', 'south', '', '{}', 0, 1, 2, '2026-01-01T06:00:00Z', NULL, NULL, NULL),
		('t-done', 'north', '', '{}', 0, 1, 2, '2026-01-01T06:00:00Z', NULL, NULL, NULL)`)
	exec(t, db, `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-done'`)
	exec(t, db, `UPDATE paidan.task SET priority = 4 WHERE id = 't2'`) // version 2

	b, report := load(t, db, "north", postgres.LoadOptions{})
	if len(report.Skipped) != 0 || report.Tasks != 2 || report.Workers != 2 {
		t.Fatalf("report = %+v; want 2 tasks, 2 workers, nothing skipped", report)
	}
	if b.Partition != "north" || b.AsOf.IsZero() {
		t.Errorf("batch partition %q as of %v; want north at the snapshot's now()", b.Partition, b.AsOf)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	wantTasks := []paidan.Task{
		{ID: "t1", Region: "", Skills: []string{}, Location: paidan.Point{Lat: 1, Lon: 2},
			CreatedAt: at("2026-01-01T06:00:00Z"), Version: 1},
		{ID: "t2", Region: "r1", Skills: []string{"forklift", "ladder"}, Priority: 4,
			Location: paidan.Point{Lat: 52.52, Lon: 13.41}, CreatedAt: at("2026-01-01T07:00:00Z"),
			DueAt: at("2026-01-01T12:00:00Z"), PinnedWorker: "w2", PreviousWorker: "w9", Version: 2},
	}
	wantWorkers := []paidan.Worker{
		{ID: "w1", Regions: []string{}, Skills: []string{}, Capacity: 0, Location: paidan.Point{Lat: -33.9, Lon: 151.2}},
		{ID: "w2", Regions: []string{"r1", "r2"}, Skills: []string{"forklift"}, Capacity: 3,
			Location: paidan.Point{Lat: 52.5, Lon: 13.4}, ShiftStart: at("2026-01-01T08:00:00Z"),
			ShiftEnd: at("2026-01-01T16:00:00Z"), MaxDistanceKm: 12.5},
	}
	for i := range b.Tasks {
		normalize(&b.Tasks[i].CreatedAt, &b.Tasks[i].DueAt)
	}
	for i := range b.Workers {
		normalize(&b.Workers[i].ShiftStart, &b.Workers[i].ShiftEnd)
	}
	if !reflect.DeepEqual(b.Tasks, wantTasks) {
		t.Errorf("tasks\n got %+v\nwant %+v", b.Tasks, wantTasks)
	}
	if !reflect.DeepEqual(b.Workers, wantWorkers) {
		t.Errorf("workers\n got %+v\nwant %+v", b.Workers, wantWorkers)
	}
}

// normalize puts non-zero times in UTC so that DeepEqual compares instants.
func normalize(ts ...*time.Time) {
	for _, t := range ts {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
}

func TestLoadAsOfIsTheSnapshotTime(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	var before, after time.Time
	if err := db.Get(&before, `SELECT clock_timestamp()`); err != nil {
		t.Fatal(err)
	}
	b, _ := load(t, db, "north", postgres.LoadOptions{})
	if err := db.Get(&after, `SELECT clock_timestamp()`); err != nil {
		t.Fatal(err)
	}
	if b.AsOf.Before(before) || b.AsOf.After(after) {
		t.Errorf("AsOf %v outside the load's interval [%v, %v]", b.AsOf, before, after)
	}
	if len(b.Tasks) != 0 || len(b.Workers) != 0 {
		t.Errorf("empty partition loaded %d tasks and %d workers", len(b.Tasks), len(b.Workers))
	}
}

// TestLoadSnapshotIsConsistent commits a worker and a task pinned to it
// while Load is between its worker query and its task query (held there by a
// table lock). A load from one snapshot sees neither; a load that read each
// table at its own moment would see the task without its worker.
func TestLoadSnapshotIsConsistent(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exec(t, db, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w-old', 'north', 1, 0, 0)`)
	exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('t-old', 'north', 0, 0)`)

	blocker, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	exec(t, blocker, `LOCK TABLE paidan.task IN ACCESS EXCLUSIVE MODE`)

	type result struct {
		b   *paidan.Batch
		r   *postgres.LoadReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, r, err := postgres.Load(ctx, db, "north", postgres.LoadOptions{})
		done <- result{b, r, err}
	}()
	pgtest.WaitForLockWait(t, ctx, db, "%FROM paidan.task%")

	exec(t, blocker, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w-new', 'north', 1, 0, 0)`)
	exec(t, blocker, `INSERT INTO paidan.task (id, partition, lat, lon, pinned_worker) VALUES ('t-new', 'north', 0, 0, 'w-new')`)
	if err := blocker.Commit(); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got, want := taskIDs(res.b), []paidan.TaskID{"t-old"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tasks %v, want %v", got, want)
	}
	if got, want := workerIDs(res.b), []paidan.WorkerID{"w-old"}; !reflect.DeepEqual(got, want) {
		t.Errorf("workers %v, want %v", got, want)
	}
	if len(res.r.Skipped) != 0 {
		t.Errorf("skipped %v; the concurrent task was half-seen", res.r.Skipped)
	}
}

func TestLoadRespectsContext(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := postgres.Load(ctx, db, "north", postgres.LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES
		('a', 'south', 0, 0), ('b', 'north', 0, 0), ('c', 'north', 0, 0), ('d', 'east', 0, 0)`)
	exec(t, db, `UPDATE paidan.task SET status = 'cancelled' WHERE id = 'd'`)
	got, err := postgres.Partitions(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"north", "south"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Partitions = %v, want %v", got, want)
	}
}

// The schema rejects non-finite coordinates outright; Load's own checks are
// for views and drifted schemas (TestLoadSkipsPoisonedRows).
func TestSchemaRejectsNonFiniteNumbers(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	for _, v := range []string{"NaN", "Infinity", "-Infinity", "91"} {
		_, err := db.Exec(`INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('t', 'north', $1::float8, 0)`, v)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "23514" || pqErr.Constraint != "task_lat_check" {
			t.Errorf("task with lat %s: error %v; want a violation of task_lat_check", v, err)
		}
	}
}
