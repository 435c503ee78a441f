package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

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
	//go:embed raw_bytes.sql
	rawBytesSQL string
	//go:embed tasks.sql
	tasksSQL string
	//go:embed workers.sql
	workersSQL string
	//go:embed partitions.sql
	partitionsSQL string
)

// LoadOptions tunes Load. It has no fields: the limits Load applies are
// the domain's (package paidan, limits.go), one set for every loader, which
// the schema's CHECK constraints mirror. The zero value is the only value.
type LoadOptions struct{}

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
// Poisoned rows are skipped, not fatal: a row that breaks a domain rule
// (paidan.ValidateTask, paidan.ValidateWorker: a time that is ±infinity or
// outside 1970..2262, a text value or list over the limits, invalid UTF-8, a
// control character, a non-finite or out-of-range number, a shift that does
// not end after it starts, a deadline before the task was created) or a
// task pinned to a worker that is not an active, valid worker of the
// partition is left out of the batch and listed in LoadReport.Skipped, and
// the load goes on. The schema's constraints reject most of these on
// insert; Load checks again for rows older than those constraints, views
// and drifted schemas. Tasks and workers are in id order.
//
// A partition name that is not a valid name (paidan.ValidatePartition)
// fails the load of that partition with an error wrapping the reason.
// Otherwise Load returns an error only when the database fails (the
// context's error included); then the batch and report are nil. It is safe
// for concurrent use.
func Load(ctx context.Context, db *sqlx.DB, partition string, opts LoadOptions) (*paidan.Batch, *LoadReport, error) {
	if err := paidan.ValidatePartition(partition); err != nil {
		return nil, nil, fmt.Errorf("load partition %s: %w", safeKey(partition), err)
	}
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("load partition %q: %w", partition, err)
	}
	defer tx.Rollback()

	batch := &paidan.Batch{Partition: partition}
	if batch.AsOf, err = begin(ctx, tx); err != nil {
		return nil, nil, fmt.Errorf("load partition %q: %w", partition, err)
	}
	lo, hi := paidan.MinTime(), paidan.MaxTime()
	var workers []workerRow
	if err := tx.SelectContext(ctx, &workers, workersSQL, partition, lo, hi); err != nil {
		return nil, nil, fmt.Errorf("load workers of partition %q: %w", partition, err)
	}
	var tasks []taskRow
	if err := tx.SelectContext(ctx, &tasks, tasksSQL, partition, lo, hi); err != nil {
		return nil, nil, fmt.Errorf("load tasks of partition %q: %w", partition, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("load partition %q: %w", partition, err)
	}

	report := &LoadReport{Tasks: len(tasks), Workers: len(workers)}
	known := make(map[paidan.WorkerID]bool, len(workers))
	for i := range workers {
		w, err := workers[i].worker()
		if err != nil {
			report.Skipped = append(report.Skipped, &paidan.InputError{Source: WorkerTable, Key: safeKey(workers[i].ID), Err: err})
			continue
		}
		known[w.ID] = true
		batch.Workers = append(batch.Workers, w)
	}
	for i := range tasks {
		t, err := tasks[i].task(known, partition)
		if err != nil {
			report.Skipped = append(report.Skipped, &paidan.InputError{Source: TaskTable, Key: safeKey(tasks[i].ID), Err: err})
			continue
		}
		batch.Tasks = append(batch.Tasks, t)
	}
	return batch, report, nil
}

// begin returns the snapshot's time and, in an SQL_ASCII database, has
// text sent as stored (raw_bytes.sql).
func begin(ctx context.Context, tx *sqlx.Tx) (time.Time, error) {
	var snap struct {
		AsOf     time.Time `db:"as_of"`
		Encoding string    `db:"server_encoding"`
	}
	if err := tx.GetContext(ctx, &snap, nowSQL); err != nil {
		return time.Time{}, fmt.Errorf("snapshot time: %w", err)
	}
	if snap.Encoding == "SQL_ASCII" {
		if _, err := tx.ExecContext(ctx, rawBytesSQL); err != nil {
			return time.Time{}, fmt.Errorf("raw bytes: %w", err)
		}
	}
	return snap.AsOf, nil
}

// Partitions lists the partitions that have pending tasks, in name order,
// from a READ ONLY transaction of its own. A name with bytes that are not
// UTF-8 (possible in an SQL_ASCII database) is listed as stored, so that
// its Load fails alone rather than the listing failing every partition.
// It is safe for concurrent use.
func Partitions(ctx context.Context, db *sqlx.DB) ([]string, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	defer tx.Rollback()
	if _, err := begin(ctx, tx); err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	var parts []string
	if err := tx.SelectContext(ctx, &parts, partitionsSQL); err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return parts, nil
}

// taskRow is one row of tasks.sql.
type taskRow struct {
	taskColumns
}

// task validates the row and maps it to a paidan.Task. known holds the
// workers of the batch, which a pinned worker must be one of.
func (r *taskRow) task(known map[paidan.WorkerID]bool, partition string) (paidan.Task, error) {
	if err := badTime("created_at", r.CreatedAtBad); err != nil {
		return paidan.Task{}, err
	}
	if err := badTime("due_at", r.DueAtBad); err != nil {
		return paidan.Task{}, err
	}
	t := paidan.Task{
		ID:             paidan.TaskID(r.ID),
		Region:         r.Region,
		Skills:         []string(r.Skills),
		Priority:       int(r.Priority),
		Location:       paidan.Point{Lat: r.Lat, Lon: r.Lon},
		CreatedAt:      r.CreatedAt.Time,
		DueAt:          r.DueAt.Time,
		PinnedWorker:   paidan.WorkerID(r.PinnedWorker.String),
		PreviousWorker: paidan.WorkerID(r.PreviousWorker.String),
		Version:        r.Version,
	}
	if err := paidan.ValidateTask(&t); err != nil {
		return paidan.Task{}, err
	}
	if t.PinnedWorker != "" && !known[t.PinnedWorker] {
		return paidan.Task{}, &paidan.FieldError{Field: "pinned_worker", Err: fmt.Errorf(
			"%s is not an active, valid worker of partition %q: %w", safeKey(string(t.PinnedWorker)), partition, paidan.ErrUnknownRef)}
	}
	return t, nil
}

// workerRow is one row of workers.sql.
type workerRow struct {
	workerColumns
}

// worker validates the row and maps it to a paidan.Worker.
func (r *workerRow) worker() (paidan.Worker, error) {
	if err := badTime("shift_start", r.ShiftStartBad); err != nil {
		return paidan.Worker{}, err
	}
	if err := badTime("shift_end", r.ShiftEndBad); err != nil {
		return paidan.Worker{}, err
	}
	w := paidan.Worker{
		ID:            paidan.WorkerID(r.ID),
		Regions:       []string(r.Regions),
		Skills:        []string(r.Skills),
		Capacity:      int(r.Capacity),
		Load:          int(r.Load),
		Location:      paidan.Point{Lat: r.Lat, Lon: r.Lon},
		ShiftStart:    r.ShiftStart.Time,
		ShiftEnd:      r.ShiftEnd.Time,
		MaxDistanceKm: r.MaxDistanceKm,
	}
	if err := paidan.ValidateWorker(&w); err != nil {
		return paidan.Worker{}, err
	}
	return w, nil
}

// badTime reports a time the query found outside the domain's range, given
// as PostgreSQL's text of it.
func badTime(column string, bad sql.NullString) error {
	if !bad.Valid {
		return nil
	}
	return &paidan.FieldError{Field: column, Err: fmt.Errorf("%s, want a time from %s to %s: %w", safeKey(bad.String),
		paidan.MinTime().Format(time.RFC3339), paidan.MaxTime().Format(time.RFC3339Nano), paidan.ErrOutOfRange)}
}

// safeKey returns s for an error message: as it is when it is a short,
// printable UTF-8 text, else quoted with Go escapes and cut to 60 bytes, so
// that a poisoned value cannot forge a log line or flood one.
func safeKey(s string) string {
	const max = 60
	plain := len(s) <= max && utf8.ValidString(s)
	for _, r := range s {
		if !plain || !unicode.IsPrint(r) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	if len(s) > max {
		return strconv.Quote(s[:max]) + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return strconv.Quote(s)
}
