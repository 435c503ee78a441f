package file_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
	"github.com/parquet-go/parquet-go"
)

// edgeBatch holds values at the edges of what a dataset accepts.
func edgeBatch(tb testing.TB) *paidan.Batch {
	tb.Helper()
	shared := []string{"forklift", "cold_chain"}
	return &paidan.Batch{
		AsOf: paidan.MaxTime(),
		Workers: []paidan.Worker{
			{ID: "W-1", Regions: []string{"浦东", "north"}, Skills: shared, Capacity: file.MaxCapacity, Load: file.MaxCapacity,
				Location:   paidan.Point{Lat: -90, Lon: 180},
				ShiftStart: mustTime(tb, "1970-01-01T00:00:00Z"), ShiftEnd: mustTime(tb, "1970-01-01T00:00:00.000000001Z"),
				MaxDistanceKm: 0.1},
			{ID: "worker:2@x/y#z+1", Skills: []string{"a"}, Location: paidan.Point{Lat: 90, Lon: -180},
				ShiftEnd: mustTime(tb, "2026-01-05T17:59:59.123456789Z"), MaxDistanceKm: paidan.MaxDistanceKm},
		},
		Tasks: []paidan.Task{
			{ID: "T.1", Region: "浦东", Skills: shared, Priority: paidan.MaxPriority,
				Location:  paidan.Point{Lat: 31.230000000000004, Lon: 121.47},
				CreatedAt: paidan.MaxTime(), DueAt: paidan.MaxTime(),
				PinnedWorker: "W-1", PreviousWorker: "gone_1"},
			{ID: "T_2", Region: "north", Location: paidan.Point{Lat: 1e-300, Lon: -0.5},
				CreatedAt: mustTime(tb, "1970-01-01T00:00:00.000000001Z")},
		},
	}
}

func TestWriteRoundTrip(t *testing.T) {
	t.Parallel()
	rules := paidan.DefaultRules()
	rules.Balance = nil
	rules.MaxDistanceKm = 12.5
	batches := map[string]*paidan.Batch{
		"edge":      edgeBatch(t),
		"generated": datasets.Generate(datasets.GenOptions{Tasks: 500, Workers: 40, Seed: 5}),
	}
	for name, b := range batches {
		for _, format := range []file.Format{file.CSV, file.Parquet} {
			t.Run(name+"/"+format.String(), func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(t.TempDir(), "new")
				err := file.Write(context.Background(), dir, b, file.WriteOptions{Format: format, Rules: &rules})
				if err != nil {
					t.Fatal(err)
				}
				ds, err := file.Load(context.Background(), dir, file.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ds.Batch, b) {
					t.Errorf("loaded batch differs:\n got %+v\nwant %+v", ds.Batch, b)
				}
				if !reflect.DeepEqual(ds.Rules, rules) || ds.RulesFile != filepath.Join(dir, "rules.yaml") {
					t.Errorf("rules %+v from %q, want %+v", ds.Rules, ds.RulesFile, rules)
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				want := []string{"rules.yaml", "tasks" + "." + format.String(), "workers" + "." + format.String()}
				if !slices.Equal(names, want) {
					t.Errorf("files %v, want %v (no temporary files left)", names, want)
				}
			})
		}
	}
}

func TestWriteRefusesOtherFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := edgeBatch(t)
	if err := file.Write(context.Background(), dir, b, file.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := file.Write(context.Background(), dir, b, file.WriteOptions{Format: file.Parquet})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Write parquet over csv = %v, want fs.ErrExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tasks.parquet")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("tasks.parquet was written (%v)", err)
	}
	// Rewriting in the same format replaces the files.
	b.Tasks = b.Tasks[:1]
	if err := file.Write(context.Background(), dir, b, file.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Batch.Tasks) != 1 {
		t.Errorf("got %d tasks after rewrite, want 1", len(ds.Batch.Tasks))
	}
}

// taskRow is a row of tasks.parquet as an analyst would read it.
type taskRow struct {
	ID             string     `parquet:"id"`
	Region         string     `parquet:"region"`
	Skills         *string    `parquet:"skills,optional"`
	Priority       int64      `parquet:"priority"`
	Lat            float64    `parquet:"lat"`
	Lon            float64    `parquet:"lon"`
	CreatedAt      time.Time  `parquet:"created_at,timestamp(nanosecond)"`
	DueAt          *time.Time `parquet:"due_at,optional,timestamp(nanosecond)"`
	PinnedWorker   *string    `parquet:"pinned_worker,optional"`
	PreviousWorker *string    `parquet:"previous_worker,optional"`
}

type workerRow struct {
	ID            string     `parquet:"id"`
	Regions       *string    `parquet:"regions,optional"`
	Skills        *string    `parquet:"skills,optional"`
	Capacity      int64      `parquet:"capacity"`
	Load          int64      `parquet:"load"`
	Lat           float64    `parquet:"lat"`
	Lon           float64    `parquet:"lon"`
	ShiftStart    *time.Time `parquet:"shift_start,optional,timestamp(nanosecond)"`
	ShiftEnd      *time.Time `parquet:"shift_end,optional,timestamp(nanosecond)"`
	MaxDistanceKm *float64   `parquet:"max_distance_km,optional"`
}

// TestWriteParquetReadBack reads the written Parquet with parquet-go's own
// reader, as an analyst would.
func TestWriteParquetReadBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := edgeBatch(t)
	if err := file.Write(context.Background(), dir, b, file.WriteOptions{Format: file.Parquet}); err != nil {
		t.Fatal(err)
	}
	tasks, err := parquet.ReadFile[taskRow](filepath.Join(dir, "tasks.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	workers, err := parquet.ReadFile[workerRow](filepath.Join(dir, "workers.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	tm := func(s string) *time.Time { return new(mustTime(t, s)) }
	wantTasks := []taskRow{
		{ID: "T.1", Region: "浦东", Skills: str("forklift;cold_chain"), Priority: paidan.MaxPriority, Lat: 31.230000000000004, Lon: 121.47,
			CreatedAt: mustTime(t, "2262-04-11T23:47:16.854775Z"), DueAt: tm("2262-04-11T23:47:16.854775Z"),
			PinnedWorker: str("W-1"), PreviousWorker: str("gone_1")},
		{ID: "T_2", Region: "north", Lat: 1e-300, Lon: -0.5, CreatedAt: mustTime(t, "1970-01-01T00:00:00.000000001Z")},
	}
	wantWorkers := []workerRow{
		{ID: "W-1", Regions: str("浦东;north"), Skills: str("forklift;cold_chain"), Capacity: file.MaxCapacity, Load: file.MaxCapacity,
			Lat: -90, Lon: 180, ShiftStart: tm("1970-01-01T00:00:00Z"), ShiftEnd: tm("1970-01-01T00:00:00.000000001Z"), MaxDistanceKm: new(0.1)},
		{ID: "worker:2@x/y#z+1", Skills: str("a"), Lat: 90, Lon: -180, ShiftEnd: tm("2026-01-05T17:59:59.123456789Z"),
			MaxDistanceKm: new(float64(paidan.MaxDistanceKm))},
	}
	for i := range tasks {
		normalizeTimes(&tasks[i].CreatedAt, tasks[i].DueAt)
	}
	for i := range workers {
		normalizeTimes(workers[i].ShiftStart, workers[i].ShiftEnd)
	}
	if !reflect.DeepEqual(tasks, wantTasks) {
		t.Errorf("tasks.parquet:\n got %+v\nwant %+v", tasks, wantTasks)
	}
	if !reflect.DeepEqual(workers, wantWorkers) {
		t.Errorf("workers.parquet:\n got %+v\nwant %+v", workers, wantWorkers)
	}
}

// normalizeTimes puts the non-nil times in UTC for comparison.
func normalizeTimes(ts ...*time.Time) {
	for _, t := range ts {
		if t != nil {
			*t = t.UTC()
		}
	}
}
