package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/model"
)

// seedTiny seeds datasets/tiny (4 workers, 10 tasks) as partition "tiny" and
// returns its rules.
func seedTiny(t *testing.T, db *sqlx.DB) paidan.Rules {
	t.Helper()
	ds, err := file.Load(context.Background(), filepath.Join("..", "..", "datasets", "tiny"), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Batch.Partition = "tiny"
	if _, err := postgres.Seed(context.Background(), db, ds.Batch, postgres.SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	return ds.Rules
}

// planTiny loads partition "tiny" and plans it, returning the assignments
// as task → worker and the load report.
func planTiny(t *testing.T, db *sqlx.DB, rules paidan.Rules) (map[paidan.TaskID]paidan.WorkerID, *postgres.LoadReport) {
	t.Helper()
	b, report := load(t, db, "tiny", postgres.LoadOptions{})
	p, _, err := model.Plan(context.Background(), b, rules, model.Options{})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	got := make(map[paidan.TaskID]paidan.WorkerID, len(p.Assignments))
	for _, a := range p.Assignments {
		got[a.Task] = a.Worker
	}
	return got, report
}

// TestPoisonedRows stores, in a seeded partition, each value PostgreSQL can
// hold in a task or worker column that paidan cannot plan with. Each is
// first written as a business system would: the schema must refuse it
// with the named constraint, or, where no constraint covers it, accept it.
// A refused value is then stored anyway with its constraint dropped, as a
// row older than the constraint (or a view) would hold it. The load must
// skip exactly that row, naming it, its column and the cause, and the rest
// of the partition must plan exactly as it did without it.
func TestPoisonedRows(t *testing.T) {
	t.Parallel()
	const huge = "repeat('x', 1048576)"
	task := func(id, cols, vals string) string {
		return fmt.Sprintf(`INSERT INTO paidan.task (id, partition, lat, lon%s) VALUES (%s, 'tiny', 31.23, 121.47%s)`, cols, id, vals)
	}
	worker := func(id, cols, vals string) string {
		return fmt.Sprintf(`INSERT INTO paidan.worker (id, partition, capacity, lat, lon%s) VALUES (%s, 'tiny', 5, 31.23, 121.47%s)`, cols, id, vals)
	}
	for _, tc := range []struct {
		name       string
		insert     string
		constraint string // the constraints refusing the row, comma-separated; "" when the schema accepts it
		table, key string
		field      string
		err        error
	}{
		{"due_at infinity", task("'p'", ", due_at", ", 'infinity'"), "task_due_at_range", postgres.TaskTable, "p", "due_at", paidan.ErrOutOfRange},
		{"due_at -infinity", task("'p'", ", due_at", ", '-infinity'"), "task_due_at_range", postgres.TaskTable, "p", "due_at", paidan.ErrOutOfRange},
		{"due_at year 1 (read as no deadline before)", task("'p'", ", due_at", ", '0001-01-01 00:00:00+00'"), "task_due_at_range", postgres.TaskTable, "p", "due_at", paidan.ErrOutOfRange},
		{"due_at before created_at", task("'p'", ", created_at, due_at", ", '2026-01-05T09:00:00Z', '2026-01-05T08:00:00Z'"), "task_due_at_range", postgres.TaskTable, "p", "due_at", paidan.ErrOutOfRange},
		{"created_at infinity", task("'p'", ", created_at", ", 'infinity'"), "task_created_at_range", postgres.TaskTable, "p", "created_at", paidan.ErrOutOfRange},
		{"created_at -infinity", task("'p'", ", created_at", ", '-infinity'"), "task_created_at_range", postgres.TaskTable, "p", "created_at", paidan.ErrOutOfRange},
		{"created_at year 294276", task("'p'", ", created_at", ", '294276-12-31 00:00:00+00'"), "task_created_at_range", postgres.TaskTable, "p", "created_at", paidan.ErrOutOfRange},
		{"created_at 4713 BC", task("'p'", ", created_at", ", '4713-01-01 00:00:00+00 BC'"), "task_created_at_range", postgres.TaskTable, "p", "created_at", paidan.ErrOutOfRange},
		{"created_at 1969", task("'p'", ", created_at", ", '1969-12-31 23:59:59+00'"), "task_created_at_range", postgres.TaskTable, "p", "created_at", paidan.ErrOutOfRange},
		{"lat NaN", task("'p'", ", region", ", 'centre'") + `; UPDATE paidan.task SET lat = 'NaN' WHERE id = 'p'`, "task_lat_check", postgres.TaskTable, "p", "lat", paidan.ErrNotFinite},
		{"lon infinity", task("'p'", ", region", ", 'centre'") + `; UPDATE paidan.task SET lon = 'Infinity' WHERE id = 'p'`, "task_lon_check", postgres.TaskTable, "p", "lon", paidan.ErrNotFinite},
		{"huge region", task("'p'", ", region", ", "+huge), "task_region_name", postgres.TaskTable, "p", "region", paidan.ErrTooLong},
		{"id of 210 bytes in 70 characters", task("repeat('浦', 70)", "", ""), "task_id_bytes", postgres.TaskTable, `"` + strings.Repeat("浦", 20) + `"… (210 bytes)`, "id", paidan.ErrTooLong},
		{"newline in id", task("E'p\\nFAKE'", "", ""), "task_id_printable", postgres.TaskTable, `"p\nFAKE"`, "id", paidan.ErrControlChar},
		{"escape in region", task("'p'", ", region", ", E'centre\\x1b[2J'"), "task_region_name", postgres.TaskTable, "p", "region", paidan.ErrControlChar},
		{"C1 control in region", task("'p'", ", region", ", E'centre\\u0085'"), "", postgres.TaskTable, "p", "region", paidan.ErrControlChar},
		{"100 skills", task("'p'", ", skills", ", array_fill('s'::text, ARRAY[100])"), "task_skills_names", postgres.TaskTable, "p", "skills", paidan.ErrTooLong},
		{"skill of 300 bytes", task("'p'", ", skills", ", ARRAY[repeat('s', 300)]"), "", postgres.TaskTable, "p", "skills", paidan.ErrTooLong},
		{"repeated skill", task("'p'", ", skills", ", '{plumbing,plumbing}'"), "", postgres.TaskTable, "p", "skills", paidan.ErrDuplicateID},
		{"priority 5000", task("'p'", ", priority", ", 5000"), "task_priority_max", postgres.TaskTable, "p", "priority", paidan.ErrOutOfRange},
		{"huge previous worker", task("'p'", ", previous_worker", ", "+huge), "task_worker_refs", postgres.TaskTable, "p", "previous_worker", paidan.ErrTooLong},
		{"pinned to nobody", task("'p'", ", pinned_worker", ", 'nobody'"), "", postgres.TaskTable, "p", "pinned_worker", paidan.ErrUnknownRef},
		{"pinned to an inactive worker", worker("'off'", ", active", ", false") + "; " + task("'p'", ", pinned_worker", ", 'off'"), "", postgres.TaskTable, "p", "pinned_worker", paidan.ErrUnknownRef},

		{"shift_start infinity", worker("'w'", ", shift_start", ", 'infinity'"), "worker_shift_start_range", postgres.WorkerTable, "w", "shift_start", paidan.ErrOutOfRange},
		{"shift_end -infinity", worker("'w'", ", shift_end", ", '-infinity'"), "worker_shift_end_range", postgres.WorkerTable, "w", "shift_end", paidan.ErrOutOfRange},
		{"shift_end year 1", worker("'w'", ", shift_end", ", '0001-01-01 00:00:00+00'"), "worker_shift_end_range", postgres.WorkerTable, "w", "shift_end", paidan.ErrOutOfRange},
		{"shift ends at its start", worker("'w'", ", shift_start, shift_end", ", '2026-01-05T08:00:00Z', '2026-01-05T08:00:00Z'"), "worker_shift_order", postgres.WorkerTable, "w", "shift_end", paidan.ErrOutOfRange},
		{"max_distance_km NaN", worker("'w'", ", max_distance_km", ", 'NaN'"), "worker_max_distance_km_check,worker_max_distance_km_max", postgres.WorkerTable, "w", "max_distance_km", paidan.ErrNotFinite},
		{"max_distance_km beyond Earth", worker("'w'", ", max_distance_km", ", 50000"), "worker_max_distance_km_max", postgres.WorkerTable, "w", "max_distance_km", paidan.ErrOutOfRange},
		{"capacity 2,000,000", worker("'w'", "", "") + `; UPDATE paidan.worker SET capacity = 2000000 WHERE id = 'w'`, "worker_capacity_max", postgres.WorkerTable, "w", "capacity", paidan.ErrOutOfRange},
		{"tab in a region", worker("'w'", ", regions", ", ARRAY[E'north\\t']"), "worker_regions_names", postgres.WorkerTable, "w", "regions", paidan.ErrControlChar},
		{"skill of 300 bytes", worker("'w'", ", skills", ", ARRAY[repeat('y', 300)]"), "", postgres.WorkerTable, "w", "skills", paidan.ErrTooLong},
		{"worker id of 2000 bytes", worker("repeat('x', 2000)", "", ""), "worker_id_check,worker_id_bytes", postgres.WorkerTable, `"` + strings.Repeat("x", 60) + `"… (2000 bytes)`, "id", paidan.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			rules := seedTiny(t, db)
			before, report := planTiny(t, db, rules)
			if len(before) == 0 || len(report.Skipped) != 0 {
				t.Fatalf("seeded partition: %d assignments, skipped %v", len(before), report.Skipped)
			}

			ctx := context.Background()
			_, err := db.ExecContext(ctx, tc.insert)
			if tc.constraint == "" {
				if err != nil {
					t.Fatalf("the schema refused a row it has no constraint for: %v", err)
				}
			} else {
				var pqErr *pq.Error
				names := strings.Split(tc.constraint, ",")
				if !errors.As(err, &pqErr) || pqErr.Code != "23514" || !slices.Contains(names, pqErr.Constraint) {
					t.Fatalf("insert: %v, want a violation of %s", err, tc.constraint)
				}
				table := "task"
				if tc.table == postgres.WorkerTable {
					table = "worker"
				}
				// A row written before the limits: the constraint dropped,
				// or, for the task limits that task_limits enforces
				// (00069), the trigger disabled.
				for _, c := range names {
					exec(t, db, fmt.Sprintf(`ALTER TABLE paidan.%s DROP CONSTRAINT IF EXISTS %s`, table, c))
				}
				if table == "task" {
					exec(t, db, `ALTER TABLE paidan.task DISABLE TRIGGER task_limits`)
				}
				exec(t, db, tc.insert)
			}

			after, report := planTiny(t, db, rules)
			if len(report.Skipped) != 1 {
				t.Fatalf("skipped %v, want the one poisoned row", report.Skipped)
			}
			got := report.Skipped[0]
			fe, _ := errors.AsType[*paidan.FieldError](got)
			if got.Source != tc.table || got.Key != tc.key || fe == nil || fe.Field != tc.field || !errors.Is(got, tc.err) {
				t.Errorf("skipped %q (source %q, key %q); want source %q, key %q, field %s, cause %v",
					got, got.Source, got.Key, tc.table, tc.key, tc.field, tc.err)
			}
			if len(got.Error()) > 400 || strings.ContainsAny(got.Error(), "\n\x1b\t") {
				t.Errorf("the report of the row is %d bytes or holds a control character: %q", len(got.Error()), got.Error())
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("with the poisoned row the partition planned\n%v\nwant\n%v", after, before)
			}
		})
	}
}

// TestLoadRefusesBadPartitionName checks that a partition whose name is not
// a valid name fails its own load and no other.
func TestLoadRefusesBadPartitionName(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	rules := seedTiny(t, db)
	_, err := db.Exec(`INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('p', E'bad\x01name', 0, 0)`)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Constraint != "task_partition_name" {
		t.Fatalf("insert into a partition with a control character: %v, want a violation of task_partition_name", err)
	}
	exec(t, db, `ALTER TABLE paidan.task DISABLE TRIGGER task_limits`) // a row written before the limits
	exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('p', E'bad\x01name', 0, 0)`)
	parts, err := postgres.Partitions(context.Background(), db)
	if err != nil || !reflect.DeepEqual(parts, []string{"bad\x01name", "tiny"}) {
		t.Fatalf("Partitions = %q, %v", parts, err)
	}
	_, _, err = postgres.Load(context.Background(), db, parts[0], postgres.LoadOptions{})
	if !errors.Is(err, paidan.ErrControlChar) || !strings.Contains(err.Error(), `"bad\x01name"`) {
		t.Errorf("Load of the bad partition: %v, want an error naming it quoted and wrapping ErrControlChar", err)
	}
	if got, _ := planTiny(t, db, rules); len(got) == 0 {
		t.Error("the good partition did not plan")
	}
}

// TestLoadSkipsInvalidUTF8 stores bytes that are not UTF-8 in an
// SQL_ASCII database, where PostgreSQL does not check encodings: the load
// skips the row and plans the rest.
func TestLoadSkipsInvalidUTF8(t *testing.T) {
	t.Parallel()
	// An empty database of the test's own gives the owner role's DSN; the
	// SQL_ASCII database beside it belongs to the same role.
	u, err := url.Parse(pgtest.NewEmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Admin(t)
	name := fmt.Sprintf("paidan_ascii_%d", time.Now().UnixNano())
	exec(t, admin, fmt.Sprintf(`CREATE DATABASE %s OWNER %s ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
		name, u.User.Username()))
	u.Path = "/" + name
	db, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	m, err := pgschema.New(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("migrate the SQL_ASCII database: %v", err)
	}
	rules := seedTiny(t, db)
	before, _ := planTiny(t, db, rules)
	exec(t, db, `INSERT INTO paidan.task (id, partition, region, lat, lon) VALUES ('p', 'tiny', E'centre\xff', 31.2, 121.4)`)
	exec(t, db, `INSERT INTO paidan.worker (id, partition, skills, capacity, lat, lon) VALUES ('w', 'tiny', ARRAY[E'hvac\xc3'], 5, 31.2, 121.4)`)
	exec(t, db, `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('q', E'bad\xff', 31.2, 121.4)`)
	parts, err := postgres.Partitions(context.Background(), db)
	if err != nil || !reflect.DeepEqual(parts, []string{"bad\xff", "tiny"}) {
		t.Fatalf("Partitions = %q, %v; want the bad name as stored and tiny", parts, err)
	}
	if _, _, err := postgres.Load(context.Background(), db, parts[0], postgres.LoadOptions{}); !errors.Is(err, paidan.ErrInvalidUTF8) {
		t.Errorf("Load of a partition named with invalid UTF-8: %v, want paidan.ErrInvalidUTF8", err)
	}
	after, report := planTiny(t, db, rules)
	if len(report.Skipped) != 2 {
		t.Fatalf("skipped %v, want the two rows with invalid UTF-8", report.Skipped)
	}
	for i, want := range []struct{ key, field string }{{"w", "skills"}, {"p", "region"}} {
		got := report.Skipped[i]
		fe, _ := errors.AsType[*paidan.FieldError](got)
		if got.Key != want.key || fe == nil || fe.Field != want.field || !errors.Is(got, paidan.ErrInvalidUTF8) {
			t.Errorf("skipped[%d] = %v; want %s, field %s, invalid UTF-8", i, got, want.key, want.field)
		}
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("with the poisoned rows the partition planned\n%v\nwant\n%v", after, before)
	}
}
