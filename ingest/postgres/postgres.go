package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan"
)

// Source names of the tables, as *paidan.InputError reports them.
const (
	TaskTable   = "table paidan.task"
	WorkerTable = "table paidan.worker"
)

var (
	//go:embed now.sql
	nowSQL string
	//go:embed tasks.sql
	tasksSQL string
	//go:embed workers.sql
	workersSQL string
	//go:embed partitions.sql
	partitionsSQL string
)

// LoadOptions tunes Load. The zero value works.
type LoadOptions struct {
	// MaxFieldBytes is the longest text value accepted in any column or
	// array element, in bytes; a longer one poisons its row. Zero means 256.
	MaxFieldBytes int
	// MaxListLen is the most elements accepted in a skills or regions
	// array; a longer one poisons its row. Zero means 64.
	MaxListLen int
}

// Validate reports a negative limit.
func (o LoadOptions) Validate() error {
	if o.MaxFieldBytes < 0 || o.MaxListLen < 0 {
		return fmt.Errorf("ingest/postgres options: negative limit (max field bytes %d, max list length %d)",
			o.MaxFieldBytes, o.MaxListLen)
	}
	return nil
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.MaxFieldBytes == 0 {
		o.MaxFieldBytes = 256
	}
	if o.MaxListLen == 0 {
		o.MaxListLen = 64
	}
	return o
}

// LoadReport says what Load read and what it left out.
type LoadReport struct {
	Tasks   int // pending task rows read, before skipping
	Workers int // active worker rows read, before skipping

	// Skipped lists the poisoned rows Load left out of the batch, workers
	// first, each in id order. Every error names the table (TaskTable or
	// WorkerTable), the row's id as Key, and wraps the cause (a paidan
	// sentinel such as paidan.ErrTooLong or paidan.ErrUnknownRef).
	Skipped []*paidan.InputError
}

// Load reads one partition's pending tasks and active workers as a
// *paidan.Batch, from one consistent snapshot: a REPEATABLE READ, READ ONLY
// transaction, so a task or worker committed while Load runs is either
// wholly in the batch or wholly absent. Batch.AsOf is the transaction's
// now(); each Task carries its row Version for the write-back's check.
//
// Poisoned rows are skipped, not fatal: a row with a value paidan cannot
// plan with (a text value or list over the LoadOptions limits, invalid UTF-8,
// a non-finite or out-of-range number, a negative capacity, a shift that ends
// before it starts, a task pinned to a worker that is not an active,
// valid worker of the partition) is left out of the batch and listed in
// LoadReport.Skipped, and the load goes on. The schema's constraints already
// reject most of these on insert; Load checks again so that a view or a
// changed schema cannot feed the solver bad numbers. Tasks and workers are
// in id order.
//
// Load returns an error only when the options are invalid or the database
// fails (the context's error included); then the batch and report are nil.
// It is safe for concurrent use.
func Load(ctx context.Context, db *sqlx.DB, partition string, opts LoadOptions) (*paidan.Batch, *LoadReport, error) {
	if err := opts.Validate(); err != nil {
		return nil, nil, err
	}
	opts = opts.withDefaults()
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("load partition %q: %w", partition, err)
	}
	defer tx.Rollback()

	batch := &paidan.Batch{Partition: partition}
	if err := tx.GetContext(ctx, &batch.AsOf, nowSQL); err != nil {
		return nil, nil, fmt.Errorf("load partition %q: snapshot time: %w", partition, err)
	}
	var workers []workerRow
	if err := tx.SelectContext(ctx, &workers, workersSQL, partition); err != nil {
		return nil, nil, fmt.Errorf("load workers of partition %q: %w", partition, err)
	}
	var tasks []taskRow
	if err := tx.SelectContext(ctx, &tasks, tasksSQL, partition); err != nil {
		return nil, nil, fmt.Errorf("load tasks of partition %q: %w", partition, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("load partition %q: %w", partition, err)
	}

	report := &LoadReport{Tasks: len(tasks), Workers: len(workers)}
	known := make(map[paidan.WorkerID]bool, len(workers))
	for i := range workers {
		w, err := workers[i].worker(opts)
		if err != nil {
			report.Skipped = append(report.Skipped, &paidan.InputError{Source: WorkerTable, Key: workers[i].ID, Err: err})
			continue
		}
		known[w.ID] = true
		batch.Workers = append(batch.Workers, w)
	}
	for i := range tasks {
		t, err := tasks[i].task(opts, known, partition)
		if err != nil {
			report.Skipped = append(report.Skipped, &paidan.InputError{Source: TaskTable, Key: tasks[i].ID, Err: err})
			continue
		}
		batch.Tasks = append(batch.Tasks, t)
	}
	return batch, report, nil
}

// Partitions lists the partitions that have pending tasks, in name order;
// db may be a database or a transaction.
// It is safe for concurrent use.
func Partitions(ctx context.Context, db sqlx.QueryerContext) ([]string, error) {
	var parts []string
	if err := sqlx.SelectContext(ctx, db, &parts, partitionsSQL); err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return parts, nil
}

// taskRow is one row of tasks.sql.
type taskRow struct {
	ID             string         `db:"id"`
	Region         string         `db:"region"`
	Skills         pq.StringArray `db:"skills"`
	Priority       int            `db:"priority"`
	Lat            float64        `db:"lat"`
	Lon            float64        `db:"lon"`
	CreatedAt      time.Time      `db:"created_at"`
	DueAt          sql.NullTime   `db:"due_at"`
	PinnedWorker   sql.NullString `db:"pinned_worker"`
	PreviousWorker sql.NullString `db:"previous_worker"`
	Version        int64          `db:"version"`
}

// task validates the row and maps it to a paidan.Task. known holds the
// workers of the batch, which a pinned worker must be one of.
func (r *taskRow) task(o LoadOptions, known map[paidan.WorkerID]bool, partition string) (paidan.Task, error) {
	if err := checkTexts(o, "id", r.ID); err != nil {
		return paidan.Task{}, err
	}
	if err := checkTexts(o, "region", r.Region); err != nil {
		return paidan.Task{}, err
	}
	if err := checkList(o, "skills", r.Skills); err != nil {
		return paidan.Task{}, err
	}
	if err := checkTexts(o, "pinned_worker", r.PinnedWorker.String); err != nil {
		return paidan.Task{}, err
	}
	if err := checkTexts(o, "previous_worker", r.PreviousWorker.String); err != nil {
		return paidan.Task{}, err
	}
	if r.Priority < 0 {
		return paidan.Task{}, fmt.Errorf("column priority: %d: %w", r.Priority, paidan.ErrNegative)
	}
	if err := checkPoint(r.Lat, r.Lon); err != nil {
		return paidan.Task{}, err
	}
	pinned := paidan.WorkerID(r.PinnedWorker.String)
	if pinned != "" && !known[pinned] {
		return paidan.Task{}, fmt.Errorf("column pinned_worker: %q is not an active, valid worker of partition %q: %w",
			pinned, partition, paidan.ErrUnknownRef)
	}
	return paidan.Task{
		ID:             paidan.TaskID(r.ID),
		Region:         r.Region,
		Skills:         []string(r.Skills),
		Priority:       r.Priority,
		Location:       paidan.Point{Lat: r.Lat, Lon: r.Lon},
		CreatedAt:      r.CreatedAt,
		DueAt:          r.DueAt.Time,
		PinnedWorker:   pinned,
		PreviousWorker: paidan.WorkerID(r.PreviousWorker.String),
		Version:        r.Version,
	}, nil
}

// workerRow is one row of workers.sql.
type workerRow struct {
	ID            string         `db:"id"`
	Regions       pq.StringArray `db:"regions"`
	Skills        pq.StringArray `db:"skills"`
	Capacity      int            `db:"capacity"`
	Load          int            `db:"load"`
	Lat           float64        `db:"lat"`
	Lon           float64        `db:"lon"`
	ShiftStart    sql.NullTime   `db:"shift_start"`
	ShiftEnd      sql.NullTime   `db:"shift_end"`
	MaxDistanceKm float64        `db:"max_distance_km"`
}

// worker validates the row and maps it to a paidan.Worker.
func (r *workerRow) worker(o LoadOptions) (paidan.Worker, error) {
	if err := checkTexts(o, "id", r.ID); err != nil {
		return paidan.Worker{}, err
	}
	if err := checkList(o, "regions", r.Regions); err != nil {
		return paidan.Worker{}, err
	}
	if err := checkList(o, "skills", r.Skills); err != nil {
		return paidan.Worker{}, err
	}
	if r.Capacity < 0 {
		return paidan.Worker{}, fmt.Errorf("column capacity: %d: %w", r.Capacity, paidan.ErrNegative)
	}
	if r.Load < 0 {
		return paidan.Worker{}, fmt.Errorf("column load: %d: %w", r.Load, paidan.ErrNegative)
	}
	if err := checkPoint(r.Lat, r.Lon); err != nil {
		return paidan.Worker{}, err
	}
	if math.IsNaN(r.MaxDistanceKm) || math.IsInf(r.MaxDistanceKm, 0) {
		return paidan.Worker{}, fmt.Errorf("column max_distance_km: %w", paidan.ErrNotFinite)
	}
	if r.MaxDistanceKm < 0 {
		return paidan.Worker{}, fmt.Errorf("column max_distance_km: %g: %w", r.MaxDistanceKm, paidan.ErrNegative)
	}
	if r.ShiftStart.Valid && r.ShiftEnd.Valid && !r.ShiftEnd.Time.After(r.ShiftStart.Time) {
		return paidan.Worker{}, fmt.Errorf("column shift_end: %s is not after shift_start %s: %w",
			r.ShiftEnd.Time.Format(time.RFC3339), r.ShiftStart.Time.Format(time.RFC3339), paidan.ErrOutOfRange)
	}
	return paidan.Worker{
		ID:            paidan.WorkerID(r.ID),
		Regions:       []string(r.Regions),
		Skills:        []string(r.Skills),
		Capacity:      r.Capacity,
		Load:          r.Load,
		Location:      paidan.Point{Lat: r.Lat, Lon: r.Lon},
		ShiftStart:    r.ShiftStart.Time,
		ShiftEnd:      r.ShiftEnd.Time,
		MaxDistanceKm: r.MaxDistanceKm,
	}, nil
}

// checkTexts reports a value of column that is longer than the limit or not
// valid UTF-8 (possible in a SQL_ASCII database).
func checkTexts(o LoadOptions, column string, values ...string) error {
	for _, v := range values {
		if len(v) > o.MaxFieldBytes {
			return fmt.Errorf("column %s: %d bytes, at most %d allowed: %w", column, len(v), o.MaxFieldBytes, paidan.ErrTooLong)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("column %s: %w", column, paidan.ErrInvalidUTF8)
		}
	}
	return nil
}

// checkList checks an array column: its length and every element.
func checkList(o LoadOptions, column string, values []string) error {
	if len(values) > o.MaxListLen {
		return fmt.Errorf("column %s: %d elements, at most %d allowed: %w", column, len(values), o.MaxListLen, paidan.ErrTooLong)
	}
	return checkTexts(o, column, values...)
}

// checkPoint reports coordinates that are not finite or out of range.
func checkPoint(lat, lon float64) error {
	for _, c := range []struct {
		column string
		v, max float64
	}{{"lat", lat, 90}, {"lon", lon, 180}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return fmt.Errorf("column %s: %w", c.column, paidan.ErrNotFinite)
		}
		if math.Abs(c.v) > c.max {
			return fmt.Errorf("column %s: %g is outside [-%g, %g]: %w", c.column, c.v, c.max, c.max, paidan.ErrOutOfRange)
		}
	}
	return nil
}
