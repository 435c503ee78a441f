package file

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/atomicdir"
	"github.com/parquet-go/parquet-go"
)

// Write writes b as a dataset in directory dir, creating dir if needed:
// tasks and workers in opts.Format and, when opts.Rules is not nil,
// rules.yaml. Load reads the result back equal to b, except that Load sets
// AsOf from the tasks unless told otherwise, and Partition is not stored.
//
// Each file is written to a temporary file in dir, fsynced, renamed into
// place and the directory fsynced (package internal/atomicdir), so a reader
// never sees a half-written file; a failure between two renames can leave
// an older file beside a newer one. Write fails, writing nothing,
// if dir holds a table in the other format (it would make the dataset
// ambiguous). Write does not validate b: Load reports whatever it rejects.
// Concurrent Writes to the same directory leave one of them in place per
// file; b is only read.
func Write(ctx context.Context, dir string, b *paidan.Batch, opts WriteOptions) error {
	if err := write(ctx, dir, b, opts); err != nil {
		return fmt.Errorf("write dataset %s: %w", dir, err)
	}
	return nil
}

func write(ctx context.Context, dir string, b *paidan.Batch, opts WriteOptions) error {
	if err := atomicdir.MkdirAll(dir, atomicdir.Options{DirMode: opts.DirMode}); err != nil {
		return err
	}
	other := CSV
	if opts.Format == CSV {
		other = Parquet
	}
	for _, t := range []table{tasksTable(), workersTable()} {
		name := t.name + other.ext()
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			if err == nil {
				err = fmt.Errorf("%s already there: %w", name, fs.ErrExist)
			}
			return err
		}
	}
	var tasks, workers func(io.Writer) error
	if opts.Format == Parquet {
		tasks = func(w io.Writer) error { return writeParquet(ctx, w, b.Tasks, taskRecordOf) }
		workers = func(w io.Writer) error { return writeParquet(ctx, w, b.Workers, workerRecordOf) }
	} else {
		tasks = func(w io.Writer) error { return writeCSV(ctx, w, tasksTable(), b.Tasks, taskFields) }
		workers = func(w io.Writer) error { return writeCSV(ctx, w, workersTable(), b.Workers, workerFields) }
	}
	if err := writeAtomic(dir, "tasks"+opts.Format.ext(), tasks, opts); err != nil {
		return err
	}
	if err := writeAtomic(dir, "workers"+opts.Format.ext(), workers, opts); err != nil {
		return err
	}
	if opts.Rules != nil {
		return writeAtomic(dir, RulesFileName, func(w io.Writer) error { return WriteRules(w, opts.Rules) }, opts)
	}
	return nil
}

// writeAtomic writes file name in dir through fill atomically
// (atomicdir.WriteFile: temporary file, fsync, rename, directory fsync),
// with the permissions of opts.
func writeAtomic(dir, name string, fill func(io.Writer) error, opts WriteOptions) error {
	return atomicdir.WriteFile(dir, name, fill, atomicdir.Options{FileMode: opts.FileMode, DirMode: opts.DirMode})
}

// writeCSV writes a header of t's columns and one record per row, filled
// by fields in column order.
func writeCSV[T any](ctx context.Context, w io.Writer, t table, rows []T, fields func(rec []string, v *T)) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(t.columns))
	for i, c := range t.columns {
		rec[i] = c.name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i := range rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fields(rec, &rows[i])
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func taskFields(rec []string, t *paidan.Task) {
	rec[taskID] = string(t.ID)
	rec[taskRegion] = t.Region
	rec[taskSkills] = strings.Join(t.Skills, ";")
	rec[taskPriority] = strconv.Itoa(t.Priority)
	rec[taskLat] = formatFloat(t.Location.Lat)
	rec[taskLon] = formatFloat(t.Location.Lon)
	rec[taskCreatedAt] = formatTime(t.CreatedAt)
	rec[taskDueAt] = formatTime(t.DueAt)
	rec[taskPinnedWorker] = string(t.PinnedWorker)
	rec[taskPreviousWorker] = string(t.PreviousWorker)
}

func workerFields(rec []string, w *paidan.Worker) {
	rec[workerID] = string(w.ID)
	rec[workerRegions] = strings.Join(w.Regions, ";")
	rec[workerSkills] = strings.Join(w.Skills, ";")
	rec[workerCapacity] = strconv.Itoa(w.Capacity)
	rec[workerLoad] = strconv.Itoa(w.Load)
	rec[workerLat] = formatFloat(w.Location.Lat)
	rec[workerLon] = formatFloat(w.Location.Lon)
	rec[workerShiftStart] = formatTime(w.ShiftStart)
	rec[workerShiftEnd] = formatTime(w.ShiftEnd)
	rec[workerMaxDistanceKm] = ""
	if w.MaxDistanceKm != 0 {
		rec[workerMaxDistanceKm] = formatFloat(w.MaxDistanceKm)
	}
}

// formatFloat writes the shortest text that parses back to exactly v.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// formatTime writes t in RFC 3339 UTC with as many fractional digits as
// needed, and the zero time as "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// taskRecord is a row of tasks.parquet. Optional columns hold null for an
// empty value.
type taskRecord struct {
	ID             string    `parquet:"id"`
	Region         string    `parquet:"region,dict"`
	Skills         string    `parquet:"skills,optional,dict"`
	Priority       int64     `parquet:"priority"`
	Lat            float64   `parquet:"lat"`
	Lon            float64   `parquet:"lon"`
	CreatedAt      time.Time `parquet:"created_at,timestamp(nanosecond)"`
	DueAt          time.Time `parquet:"due_at,optional,timestamp(nanosecond)"`
	PinnedWorker   string    `parquet:"pinned_worker,optional"`
	PreviousWorker string    `parquet:"previous_worker,optional"`
}

func taskRecordOf(t *paidan.Task) taskRecord {
	return taskRecord{
		ID:             string(t.ID),
		Region:         t.Region,
		Skills:         strings.Join(t.Skills, ";"),
		Priority:       int64(t.Priority),
		Lat:            t.Location.Lat,
		Lon:            t.Location.Lon,
		CreatedAt:      t.CreatedAt,
		DueAt:          t.DueAt,
		PinnedWorker:   string(t.PinnedWorker),
		PreviousWorker: string(t.PreviousWorker),
	}
}

// workerRecord is a row of workers.parquet.
type workerRecord struct {
	ID            string    `parquet:"id"`
	Regions       string    `parquet:"regions,optional,dict"`
	Skills        string    `parquet:"skills,optional,dict"`
	Capacity      int64     `parquet:"capacity"`
	Load          int64     `parquet:"load"`
	Lat           float64   `parquet:"lat"`
	Lon           float64   `parquet:"lon"`
	ShiftStart    time.Time `parquet:"shift_start,optional,timestamp(nanosecond)"`
	ShiftEnd      time.Time `parquet:"shift_end,optional,timestamp(nanosecond)"`
	MaxDistanceKm float64   `parquet:"max_distance_km,optional"`
}

func workerRecordOf(w *paidan.Worker) workerRecord {
	return workerRecord{
		ID:            string(w.ID),
		Regions:       strings.Join(w.Regions, ";"),
		Skills:        strings.Join(w.Skills, ";"),
		Capacity:      int64(w.Capacity),
		Load:          int64(w.Load),
		Lat:           w.Location.Lat,
		Lon:           w.Location.Lon,
		ShiftStart:    w.ShiftStart,
		ShiftEnd:      w.ShiftEnd,
		MaxDistanceKm: w.MaxDistanceKm,
	}
}

// writeParquet writes rows as a zstd-compressed Parquet file of records
// made by conv.
func writeParquet[T, R any](ctx context.Context, w io.Writer, rows []T, conv func(*T) R) error {
	pw := parquet.NewGenericWriter[R](w, parquet.Compression(&parquet.Zstd))
	buf := make([]R, 0, 4096)
	for i := range rows {
		buf = append(buf, conv(&rows[i]))
		if len(buf) == cap(buf) || i == len(rows)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := pw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return pw.Close()
}
