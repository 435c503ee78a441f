package file_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
	"github.com/parquet-go/parquet-go"
)

// writeParquet writes rows to dir/name with parquet-go.
func writeParquet[T any](tb testing.TB, dir, name string, rows []T) {
	tb.Helper()
	if err := parquet.WriteFile(filepath.Join(dir, name), rows); err != nil {
		tb.Fatal(err)
	}
}

// foreignTask is a tasks table as another tool might write it: other column
// order, narrower types, millisecond timestamps, optional columns left out.
type foreignTask struct {
	CreatedAt time.Time `parquet:"created_at,timestamp(millisecond)"`
	Lon       float32   `parquet:"lon"`
	Lat       float64   `parquet:"lat"`
	Priority  int32     `parquet:"priority"`
	Region    string    `parquet:"region"`
	ID        string    `parquet:"id"`
}

type foreignWorker struct {
	ID       string  `parquet:"id"`
	Capacity int32   `parquet:"capacity"`
	Lat      float64 `parquet:"lat"`
	Lon      float64 `parquet:"lon"`
}

func TestLoadParquetForeignTypes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	created := mustTime(t, "2026-01-05T08:30:00.123Z")
	writeParquet(t, dir, "tasks.parquet", []foreignTask{{CreatedAt: created, Lon: 121.5, Lat: 31.25, Priority: 3, Region: "north", ID: "T1"}})
	writeParquet(t, dir, "workers.parquet", []foreignWorker{{ID: "W1", Capacity: 4, Lat: 31, Lon: 121}})
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := &paidan.Batch{
		AsOf:    created,
		Tasks:   []paidan.Task{{ID: "T1", Region: "north", Priority: 3, Location: paidan.Point{Lat: 31.25, Lon: 121.5}, CreatedAt: created}},
		Workers: []paidan.Worker{{ID: "W1", Capacity: 4, Location: paidan.Point{Lat: 31, Lon: 121}}},
	}
	if !reflect.DeepEqual(ds.Batch, want) {
		t.Errorf("Batch:\n got %+v\nwant %+v", ds.Batch, want)
	}
}

type nestedTask struct {
	ID       string `parquet:"id"`
	Location struct {
		Lat float64 `parquet:"lat"`
	} `parquet:"location"`
}

type untypedTimeTask struct {
	ID        string  `parquet:"id"`
	Region    string  `parquet:"region"`
	Lat       float64 `parquet:"lat"`
	Lon       float64 `parquet:"lon"`
	CreatedAt int64   `parquet:"created_at"`
	Colour    string  `parquet:"colour"`
}

func TestLoadParquetErrors(t *testing.T) {
	t.Parallel()
	workers := []foreignWorker{{ID: "W1", Capacity: 4, Lat: 31, Lon: 121}}
	created := mustTime(t, "2026-01-05T08:30:00Z")
	tests := []struct {
		name      string
		write     func(tb testing.TB, dir string)
		line, col int
		key       string
		want      error
	}{
		{"value out of range", func(tb testing.TB, dir string) {
			writeParquet(tb, dir, "tasks.parquet", []foreignTask{
				{CreatedAt: created, Lat: 31, Lon: 121, Region: "north", ID: "T1"},
				{CreatedAt: created, Lat: 91, Lon: 121, Region: "north", ID: "T2"},
			})
		}, 2, 3, "lat", paidan.ErrOutOfRange},
		{"missing value", func(tb testing.TB, dir string) {
			writeParquet(tb, dir, "tasks.parquet", []foreignTask{{CreatedAt: created, Lat: 31, Lon: 121, ID: "T1"}})
		}, 1, 5, "region", paidan.ErrMissingValue},
		{"unknown column", func(tb testing.TB, dir string) {
			writeParquet(tb, dir, "tasks.parquet", []untypedTimeTask{{ID: "T1", Region: "north", CreatedAt: 1}})
		}, 0, 6, "colour", paidan.ErrUnknownKey},
		{"nested column", func(tb testing.TB, dir string) {
			writeParquet(tb, dir, "tasks.parquet", []nestedTask{{ID: "T1"}})
		}, 0, 2, "location", paidan.ErrSyntax},
		{"corrupt file", func(tb testing.TB, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "tasks.parquet"), []byte("PAR1 not really PAR1"), 0o644); err != nil {
				tb.Fatal(err)
			}
		}, 0, 0, "", paidan.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeParquet(t, dir, "workers.parquet", workers)
			tt.write(t, dir)
			_, err := file.Load(context.Background(), dir, file.Options{})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			ie := firstInputError(t, err)
			if ie.Source != "tasks.parquet" || ie.Line != tt.line || ie.Column != tt.col || ie.Key != tt.key {
				t.Errorf("error at %s:%d:%d %q, want tasks.parquet:%d:%d %q (%v)", ie.Source, ie.Line, ie.Column, ie.Key,
					tt.line, tt.col, tt.key, err)
			}
			if !errors.Is(ie, tt.want) {
				t.Errorf("error %v does not wrap %v", ie, tt.want)
			}
		})
	}
}

func TestLoadParquetUntypedTimestamp(t *testing.T) {
	t.Parallel()
	type task struct {
		ID        string  `parquet:"id"`
		Region    string  `parquet:"region"`
		Lat       float64 `parquet:"lat"`
		Lon       float64 `parquet:"lon"`
		CreatedAt int64   `parquet:"created_at"`
	}
	dir := t.TempDir()
	writeParquet(t, dir, "workers.parquet", []foreignWorker{{ID: "W1", Capacity: 4, Lat: 31, Lon: 121}})
	writeParquet(t, dir, "tasks.parquet", []task{{ID: "T1", Region: "north", Lat: 31, Lon: 121, CreatedAt: 1767600000}})
	_, err := file.Load(context.Background(), dir, file.Options{})
	if ie := firstInputError(t, err); ie.Key != "created_at" || !errors.Is(ie, paidan.ErrSyntax) {
		t.Errorf("Load = %v, want a created_at syntax error", err)
	}
}

func TestLoadParquetRowGroups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	created := mustTime(t, "2026-01-05T08:30:00Z")
	var rows []foreignTask
	var want []paidan.TaskID
	for i := range 7 {
		id := string(rune('a' + i))
		rows = append(rows, foreignTask{CreatedAt: created, Lat: 31, Lon: 121, Region: "north", ID: id})
		want = append(want, paidan.TaskID(id))
	}
	f, err := os.Create(filepath.Join(dir, "tasks.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[foreignTask](f, parquet.MaxRowsPerRowGroup(2))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if groups := parquetRowGroups(t, filepath.Join(dir, "tasks.parquet")); groups < 2 {
		t.Fatalf("tasks.parquet has %d row groups, want several", groups)
	}
	writeParquet(t, dir, "workers.parquet", []foreignWorker{{ID: "W1", Capacity: 4, Lat: 31, Lon: 121}})
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []paidan.TaskID
	for _, task := range ds.Batch.Tasks {
		got = append(got, task.ID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tasks %v, want %v", got, want)
	}
}

func parquetRowGroups(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		tb.Fatal(err)
	}
	return len(pf.RowGroups())
}
