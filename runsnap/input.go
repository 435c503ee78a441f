package runsnap

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/internal/atomicdir"
)

// Names of the input files under InputDir.
const (
	TasksFile   = "tasks.parquet"
	WorkersFile = "workers.parquet"
	RulesFile   = file.RulesFileName // rules.yaml, as ingest/file writes it
)

// taskRow is a row of input/tasks.parquet: every field of paidan.Task,
// exactly (model.InputHash covers them all). Times are Unix nanoseconds,
// null for the zero time; lists are Parquet lists, so no name needs
// quoting and any id the database holds reads back as it was.
type taskRow struct {
	ID             string   `parquet:"id"`
	Region         string   `parquet:"region,dict"`
	Skills         []string `parquet:"skills,list"`
	Priority       int64    `parquet:"priority"`
	Lat            float64  `parquet:"lat"`
	Lon            float64  `parquet:"lon"`
	CreatedAt      *int64   `parquet:"created_at_unix_nano,optional"`
	DueAt          *int64   `parquet:"due_at_unix_nano,optional"`
	PinnedWorker   string   `parquet:"pinned_worker"`
	PreviousWorker string   `parquet:"previous_worker"`
	Version        int64    `parquet:"version"`
}

// workerRow is a row of input/workers.parquet: every field of
// paidan.Worker, as taskRow.
type workerRow struct {
	ID            string   `parquet:"id"`
	Regions       []string `parquet:"regions,list"`
	Skills        []string `parquet:"skills,list"`
	Capacity      int64    `parquet:"capacity"`
	Load          int64    `parquet:"load"`
	Lat           float64  `parquet:"lat"`
	Lon           float64  `parquet:"lon"`
	ShiftStart    *int64   `parquet:"shift_start_unix_nano,optional"`
	ShiftEnd      *int64   `parquet:"shift_end_unix_nano,optional"`
	MaxDistanceKm float64  `parquet:"max_distance_km"`
}

func nanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

func timeOf(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// writeInput writes the batch's tasks and workers and the rules into dir
// (created if needed), each file atomically.
func writeInput(ctx context.Context, dir string, b *paidan.Batch, rules paidan.Rules, perm fs.FileMode) error {
	opts := atomicdir.Options{FileMode: perm}
	if err := atomicdir.MkdirAll(dir, opts); err != nil {
		return err
	}
	if err := atomicdir.WriteFile(dir, TasksFile, func(w io.Writer) error {
		return writeRows(ctx, w, b.Tasks, func(t *paidan.Task) taskRow {
			return taskRow{ID: string(t.ID), Region: t.Region, Skills: t.Skills, Priority: int64(t.Priority),
				Lat: t.Location.Lat, Lon: t.Location.Lon, CreatedAt: nanos(t.CreatedAt), DueAt: nanos(t.DueAt),
				PinnedWorker: string(t.PinnedWorker), PreviousWorker: string(t.PreviousWorker), Version: t.Version}
		})
	}, opts); err != nil {
		return err
	}
	if err := atomicdir.WriteFile(dir, WorkersFile, func(w io.Writer) error {
		return writeRows(ctx, w, b.Workers, func(k *paidan.Worker) workerRow {
			return workerRow{ID: string(k.ID), Regions: k.Regions, Skills: k.Skills, Capacity: int64(k.Capacity),
				Load: int64(k.Load), Lat: k.Location.Lat, Lon: k.Location.Lon, ShiftStart: nanos(k.ShiftStart),
				ShiftEnd: nanos(k.ShiftEnd), MaxDistanceKm: k.MaxDistanceKm}
		})
	}, opts); err != nil {
		return err
	}
	return atomicdir.WriteFile(dir, RulesFile, func(w io.Writer) error { return file.WriteRules(w, &rules) }, opts)
}

// writeRows writes items as zstd-compressed Parquet rows made by conv.
func writeRows[T, R any](ctx context.Context, w io.Writer, items []T, conv func(*T) R) error {
	pw := parquetgo.NewGenericWriter[R](w, parquetgo.Compression(&parquetgo.Zstd))
	buf := make([]R, 0, 4096)
	for i := range items {
		buf = append(buf, conv(&items[i]))
		if len(buf) == cap(buf) || i == len(items)-1 {
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

// readInput reads what writeInput wrote in dir: the batch, with partition
// and asOf set, and the rules.
func readInput(dir, partition string, asOf time.Time) (*paidan.Batch, paidan.Rules, error) {
	b := &paidan.Batch{Partition: partition, AsOf: asOf}
	tasks, err := readRows[taskRow](filepath.Join(dir, TasksFile))
	if err != nil {
		return nil, paidan.Rules{}, err
	}
	b.Tasks = make([]paidan.Task, len(tasks))
	for i, r := range tasks {
		b.Tasks[i] = paidan.Task{ID: paidan.TaskID(r.ID), Region: r.Region, Skills: r.Skills, Priority: int(r.Priority),
			Location: paidan.Point{Lat: r.Lat, Lon: r.Lon}, CreatedAt: timeOf(r.CreatedAt), DueAt: timeOf(r.DueAt),
			PinnedWorker: paidan.WorkerID(r.PinnedWorker), PreviousWorker: paidan.WorkerID(r.PreviousWorker), Version: r.Version}
	}
	workers, err := readRows[workerRow](filepath.Join(dir, WorkersFile))
	if err != nil {
		return nil, paidan.Rules{}, err
	}
	b.Workers = make([]paidan.Worker, len(workers))
	for i, r := range workers {
		b.Workers[i] = paidan.Worker{ID: paidan.WorkerID(r.ID), Regions: r.Regions, Skills: r.Skills, Capacity: int(r.Capacity),
			Load: int(r.Load), Location: paidan.Point{Lat: r.Lat, Lon: r.Lon}, ShiftStart: timeOf(r.ShiftStart),
			ShiftEnd: timeOf(r.ShiftEnd), MaxDistanceKm: r.MaxDistanceKm}
	}
	f, err := os.Open(filepath.Join(dir, RulesFile))
	if err != nil {
		return nil, paidan.Rules{}, err
	}
	defer f.Close()
	rules, err := file.ReadRules(f, filepath.Join(dir, RulesFile))
	if err != nil {
		return nil, paidan.Rules{}, err
	}
	return b, rules, nil
}

// readRows decodes every row of the Parquet file path.
func readRows[R any](path string) ([]R, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parquet.ReadRows[R](data, path)
}
