package postgres_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
)

// nullTime is tm as an SQL parameter: NULL when zero.
func nullTime(tm time.Time) any {
	if tm.IsZero() {
		return nil
	}
	return tm
}

// nullWorker is w as an SQL parameter: NULL when empty.
func nullWorker(w paidan.WorkerID) any {
	if w == "" {
		return nil
	}
	return string(w)
}

// insertTask writes t into partition p inside tx, as a business system would.
func insertTask(ctx context.Context, tx *sqlx.Tx, p string, t *paidan.Task) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon,
		created_at, due_at, pinned_worker, previous_worker) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		string(t.ID), p, t.Region, pq.Array(append([]string{}, t.Skills...)), t.Priority, t.Location.Lat, t.Location.Lon,
		nullTime(t.CreatedAt), nullTime(t.DueAt), nullWorker(t.PinnedWorker), nullWorker(t.PreviousWorker))
	return err
}

// updateTask writes t's values over the task of t's id inside tx, every
// column the limits read named in the SET list.
func updateTask(ctx context.Context, tx *sqlx.Tx, t *paidan.Task) error {
	_, err := tx.ExecContext(ctx, `UPDATE paidan.task SET region = $2, skills = $3, priority = $4, lat = $5, lon = $6,
		created_at = coalesce($7, now()), due_at = $8, pinned_worker = $9, previous_worker = $10 WHERE id = $1`,
		string(t.ID), t.Region, pq.Array(append([]string{}, t.Skills...)), t.Priority, t.Location.Lat, t.Location.Lon,
		nullTime(t.CreatedAt), nullTime(t.DueAt), nullWorker(t.PinnedWorker), nullWorker(t.PreviousWorker))
	return err
}

// TestWriteBackLeavesTaskLimitsAlone checks that apply_run's UPDATEs of
// paidan.task name none of the columns task_limits (00069) fires on, so
// the write-back never runs it, and that an UPDATE naming none of them
// leaves a row written before the limits alone while one naming the
// column is refused under the constraint's name.
func TestWriteBackLeavesTaskLimitsAlone(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()

	var fired []string
	if err := db.SelectContext(ctx, &fired, `SELECT a.attname FROM pg_catalog.pg_trigger g
		CROSS JOIN LATERAL unnest(g.tgattr) AS k(attnum)
		JOIN pg_catalog.pg_attribute a ON a.attrelid = g.tgrelid AND a.attnum = k.attnum
		WHERE g.tgrelid = 'paidan.task'::regclass AND g.tgname = 'task_limits'`); err != nil {
		t.Fatal(err)
	}
	if len(fired) == 0 {
		t.Fatal("task_limits names no column: it would fire on every UPDATE")
	}
	var src string
	if err := db.GetContext(ctx, &src, `SELECT string_agg(prosrc, ' ') FROM pg_catalog.pg_proc
		WHERE proname = 'apply_run' AND pronamespace = 'paidan'::regnamespace`); err != nil {
		t.Fatal(err)
	}
	updates := regexp.MustCompile(`(?is)UPDATE\s+paidan\.task\s+t\s+SET\s+(.*?)\s+FROM\s`).FindAllStringSubmatch(src, -1)
	if len(updates) == 0 {
		t.Fatal("found no UPDATE of paidan.task in apply_run")
	}
	set := regexp.MustCompile(`(?:^|,)\s*(\w+)\s*=`)
	for _, u := range updates {
		var cols []string
		for _, c := range set.FindAllStringSubmatch(u[1], -1) {
			cols = append(cols, c[1])
			if slices.Contains(fired, c[1]) {
				t.Errorf("apply_run's UPDATE sets %s, which fires task_limits", c[1])
			}
		}
		if !slices.Contains(cols, "status") {
			t.Errorf("read the SET list of apply_run's UPDATE as %q; want status among them", cols)
		}
	}

	// A row from before the limits (the trigger off while it is written).
	for _, q := range []string{
		`ALTER TABLE paidan.task DISABLE TRIGGER task_limits`,
		`INSERT INTO paidan.task (id, partition, region, lat, lon) VALUES ('old', 'north', E'a\nb', 0, 0)`,
		`ALTER TABLE paidan.task ENABLE TRIGGER task_limits`,
		`UPDATE paidan.task SET status = 'cancelled' WHERE id = 'old'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, err := db.ExecContext(ctx, `UPDATE paidan.task SET region = region WHERE id = 'old'`)
	if pqErr, ok := err.(*pq.Error); !ok || pqErr.Code != "23514" || pqErr.Constraint != "task_region_name" {
		t.Errorf("UPDATE naming region of the old row: %v, want a violation of task_region_name", err)
	}
}

// insertWorker writes w into partition p inside tx.
func insertWorker(ctx context.Context, tx *sqlx.Tx, p string, w *paidan.Worker) error {
	null := func(tm time.Time) any {
		if tm.IsZero() {
			return nil
		}
		return tm
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon,
		shift_start, shift_end, max_distance_km) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		string(w.ID), p, pq.Array(append([]string{}, w.Regions...)), pq.Array(append([]string{}, w.Skills...)), w.Capacity, w.Location.Lat, w.Location.Lon,
		null(w.ShiftStart), null(w.ShiftEnd), w.MaxDistanceKm)
	return err
}

// TestSchemaMirrorsDomainLimits probes every limit of package paidan
// (limits.go) on the live schema, at the limit and one step beyond: the
// schema must accept exactly what paidan.ValidateTask and
// paidan.ValidateWorker accept. A limit changed on one side only fails
// here. The rules the schema leaves to the loader are listed apart and
// must be accepted by the schema and refused by Validate.
func TestSchemaMirrorsDomainLimits(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	bytes := func(n int) string { return strings.Repeat("é", n/2) + strings.Repeat("x", n%2) } // n bytes, fewer characters
	names := func(n int) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = "s" + strings.Repeat("x", i)
		}
		return l
	}
	const µs = time.Microsecond

	taskProbes := []struct {
		name       string
		edit       func(*paidan.Task)
		loaderOnly bool // the schema accepts it; Validate refuses it
	}{
		{"id at MaxIDBytes", func(t *paidan.Task) { t.ID = paidan.TaskID(bytes(paidan.MaxIDBytes)) }, false},
		{"id beyond MaxIDBytes", func(t *paidan.Task) { t.ID = paidan.TaskID(bytes(paidan.MaxIDBytes + 1)) }, false},
		{"id with U+001F", func(t *paidan.Task) { t.ID = "t\x1f" }, false},
		{"id with DEL", func(t *paidan.Task) { t.ID = "t\x7f" }, false},
		{"region at MaxNameBytes", func(t *paidan.Task) { t.Region = bytes(paidan.MaxNameBytes) }, false},
		{"region beyond MaxNameBytes", func(t *paidan.Task) { t.Region = bytes(paidan.MaxNameBytes + 1) }, false},
		{"region with a newline", func(t *paidan.Task) { t.Region = "a\nb" }, false},
		{"region with U+0085", func(t *paidan.Task) { t.Region = "a\u0085" }, true},
		{"MaxNames skills", func(t *paidan.Task) { t.Skills = names(paidan.MaxNames) }, false},
		{"MaxNames+1 skills", func(t *paidan.Task) { t.Skills = names(paidan.MaxNames + 1) }, false},
		{"skill with a tab", func(t *paidan.Task) { t.Skills = []string{"a\tb"} }, false},
		{"skill beyond MaxNameBytes", func(t *paidan.Task) { t.Skills = []string{bytes(paidan.MaxNameBytes + 1)} }, true},
		{"repeated skill", func(t *paidan.Task) { t.Skills = []string{"a", "a"} }, true},
		{"priority at MaxPriority", func(t *paidan.Task) { t.Priority = paidan.MaxPriority }, false},
		{"priority beyond MaxPriority", func(t *paidan.Task) { t.Priority = paidan.MaxPriority + 1 }, false},
		{"negative priority", func(t *paidan.Task) { t.Priority = -1 }, false},
		{"lat at MinLat", func(t *paidan.Task) { t.Location.Lat = paidan.MinLat }, false},
		{"lat beyond MaxLat", func(t *paidan.Task) { t.Location.Lat = paidan.MaxLat + 1e-9 }, false},
		{"lon at MaxLon", func(t *paidan.Task) { t.Location.Lon = paidan.MaxLon }, false},
		{"lon beyond MinLon", func(t *paidan.Task) { t.Location.Lon = paidan.MinLon - 1e-9 }, false},
		{"created_at at MinTime", func(t *paidan.Task) { t.CreatedAt, t.DueAt = paidan.MinTime(), time.Time{} }, false},
		{"created_at before MinTime", func(t *paidan.Task) { t.CreatedAt, t.DueAt = paidan.MinTime().Add(-µs), time.Time{} }, false},
		{"created_at at MaxTime", func(t *paidan.Task) { t.CreatedAt, t.DueAt = paidan.MaxTime(), time.Time{} }, false},
		{"created_at after MaxTime", func(t *paidan.Task) { t.CreatedAt, t.DueAt = paidan.MaxTime().Add(µs), time.Time{} }, false},
		{"due_at at MaxTime", func(t *paidan.Task) { t.DueAt = paidan.MaxTime() }, false},
		{"due_at after MaxTime", func(t *paidan.Task) { t.DueAt = paidan.MaxTime().Add(µs) }, false},
		{"due_at at created_at", func(t *paidan.Task) { t.DueAt = t.CreatedAt }, false},
		{"due_at before created_at", func(t *paidan.Task) { t.DueAt = t.CreatedAt.Add(-µs) }, false},
		{"pinned worker beyond MaxIDBytes", func(t *paidan.Task) { t.PinnedWorker = paidan.WorkerID(bytes(paidan.MaxIDBytes + 1)) }, false},
		{"previous worker at MaxIDBytes", func(t *paidan.Task) { t.PreviousWorker = paidan.WorkerID(bytes(paidan.MaxIDBytes)) }, false},
		{"previous worker with a CR", func(t *paidan.Task) { t.PreviousWorker = "w\r" }, false},
	}
	for _, p := range taskProbes {
		task := paidan.Task{ID: "t1", Region: "north", Location: paidan.Point{Lat: 31, Lon: 121},
			CreatedAt: t0, DueAt: t0.Add(time.Hour)}
		p.edit(&task)
		goErr := paidan.ValidateTask(&task)
		dbErr := probe(t, db, func(tx *sqlx.Tx) error { return insertTask(ctx, tx, "north", &task) })
		switch {
		case p.loaderOnly && (dbErr != nil || goErr == nil):
			t.Errorf("task %s: schema %v, Validate %v; want the schema to accept it and Validate to refuse it", p.name, dbErr, goErr)
		case !p.loaderOnly && (goErr == nil) != (dbErr == nil):
			t.Errorf("task %s: schema %v, Validate %v; want both to accept or both to refuse", p.name, dbErr, goErr)
		}
		if task.ID != "t1" {
			continue // task_guard refuses any change of id
		}
		// The same values written by an UPDATE of a valid row: the
		// limits' trigger (00069) fires on an UPDATE naming its columns.
		upErr := probe(t, db, func(tx *sqlx.Tx) error {
			good := paidan.Task{ID: "t1", Region: "north", Location: paidan.Point{Lat: 31, Lon: 121}, CreatedAt: t0}
			if err := insertTask(ctx, tx, "north", &good); err != nil {
				return err
			}
			return updateTask(ctx, tx, &task)
		})
		if (upErr == nil) != (dbErr == nil) {
			t.Errorf("task %s: UPDATE %v, INSERT %v; want both to accept or both to refuse", p.name, upErr, dbErr)
		}
	}

	workerProbes := []struct {
		name       string
		edit       func(*paidan.Worker)
		loaderOnly bool
	}{
		{"id at MaxIDBytes", func(w *paidan.Worker) { w.ID = paidan.WorkerID(bytes(paidan.MaxIDBytes)) }, false},
		{"id beyond MaxIDBytes", func(w *paidan.Worker) { w.ID = paidan.WorkerID(bytes(paidan.MaxIDBytes + 1)) }, false},
		{"id with ESC", func(w *paidan.Worker) { w.ID = "w\x1b" }, false},
		{"MaxNames regions", func(w *paidan.Worker) { w.Regions = names(paidan.MaxNames) }, false},
		{"MaxNames+1 skills", func(w *paidan.Worker) { w.Skills = names(paidan.MaxNames + 1) }, false},
		{"region with a newline", func(w *paidan.Worker) { w.Regions = []string{"n\n"} }, false},
		{"skill beyond MaxNameBytes", func(w *paidan.Worker) { w.Skills = []string{bytes(paidan.MaxNameBytes + 1)} }, true},
		{"capacity at MaxCapacity", func(w *paidan.Worker) { w.Capacity = paidan.MaxCapacity }, false},
		{"capacity beyond MaxCapacity", func(w *paidan.Worker) { w.Capacity = paidan.MaxCapacity + 1 }, false},
		{"negative capacity", func(w *paidan.Worker) { w.Capacity = -1 }, false},
		{"max distance at MaxDistanceKm", func(w *paidan.Worker) { w.MaxDistanceKm = paidan.MaxDistanceKm }, false},
		{"max distance beyond MaxDistanceKm", func(w *paidan.Worker) { w.MaxDistanceKm = paidan.MaxDistanceKm + 1e-6 }, false},
		{"negative max distance", func(w *paidan.Worker) { w.MaxDistanceKm = -1e-9 }, false},
		{"shift start at MinTime", func(w *paidan.Worker) { w.ShiftStart = paidan.MinTime() }, false},
		{"shift start before MinTime", func(w *paidan.Worker) { w.ShiftStart = paidan.MinTime().Add(-µs) }, false},
		{"shift end at MaxTime", func(w *paidan.Worker) { w.ShiftEnd = paidan.MaxTime() }, false},
		{"shift end after MaxTime", func(w *paidan.Worker) { w.ShiftEnd = paidan.MaxTime().Add(µs) }, false},
		{"shift ends at its start", func(w *paidan.Worker) { w.ShiftStart, w.ShiftEnd = t0, t0 }, false},
		{"shift ends a microsecond after its start", func(w *paidan.Worker) { w.ShiftStart, w.ShiftEnd = t0, t0.Add(µs) }, false},
		{"lat beyond MinLat", func(w *paidan.Worker) { w.Location.Lat = paidan.MinLat - 1e-9 }, false},
	}
	for _, p := range workerProbes {
		w := paidan.Worker{ID: "w1", Capacity: 3, Location: paidan.Point{Lat: 31, Lon: 121}}
		p.edit(&w)
		goErr := paidan.ValidateWorker(&w)
		dbErr := probe(t, db, func(tx *sqlx.Tx) error { return insertWorker(ctx, tx, "north", &w) })
		switch {
		case p.loaderOnly && (dbErr != nil || goErr == nil):
			t.Errorf("worker %s: schema %v, Validate %v; want the schema to accept it and Validate to refuse it", p.name, dbErr, goErr)
		case !p.loaderOnly && (goErr == nil) != (dbErr == nil):
			t.Errorf("worker %s: schema %v, Validate %v; want both to accept or both to refuse", p.name, dbErr, goErr)
		}
	}

	for _, p := range []struct {
		name string
		part string
	}{{"at MaxNameBytes", bytes(paidan.MaxNameBytes)}, {"beyond MaxNameBytes", bytes(paidan.MaxNameBytes + 1)}, {"with a newline", "a\nb"}} {
		goErr := paidan.ValidatePartition(p.part)
		for table, insert := range map[string]func(*sqlx.Tx) error{
			"task":   func(tx *sqlx.Tx) error { return insertTask(ctx, tx, p.part, &paidan.Task{ID: "t", CreatedAt: t0}) },
			"worker": func(tx *sqlx.Tx) error { return insertWorker(ctx, tx, p.part, &paidan.Worker{ID: "w"}) },
		} {
			if dbErr := probe(t, db, insert); (goErr == nil) != (dbErr == nil) {
				t.Errorf("%s partition %s: schema %v, ValidatePartition %v; want both to accept or both to refuse", table, p.name, dbErr, goErr)
			}
		}
	}
}

// probe runs insert in a transaction that it rolls back, and returns its
// error.
func probe(t *testing.T, db *sqlx.DB, insert func(*sqlx.Tx) error) error {
	t.Helper()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return insert(tx)
}
