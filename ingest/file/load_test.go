package file_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
)

const (
	workersHeader = "id,regions,skills,capacity,load,lat,lon,shift_start,shift_end,max_distance_km\n"
	tasksHeader   = "id,region,skills,priority,lat,lon,created_at,due_at,pinned_worker,previous_worker\n"

	goodWorkers = workersHeader +
		"W1,north;south,forklift,5,1,31.2,121.4,2026-01-05T08:00:00Z,2026-01-05T18:00:00Z,\n" +
		"W2,,,3,0,31.3,121.5,,,10\n"
	goodTasks = tasksHeader +
		"T1,north,forklift,2,31.21,121.45,2026-01-05T08:30:00Z,2026-01-05T12:00:00Z,W1,W9\n" +
		"T2,south,,,31.1,121.3,2026-01-05T09:15:00.5+08:00,,,\n"
)

// writeDataset writes files (name → content) into a new directory.
func writeDataset(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t.UTC()
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{"tasks.csv": goodTasks, "workers.csv": goodWorkers})
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &paidan.Batch{
		AsOf: mustTime(t, "2026-01-05T08:30:00Z"),
		Tasks: []paidan.Task{
			{ID: "T1", Region: "north", Skills: []string{"forklift"}, Priority: 2,
				Location:  paidan.Point{Lat: 31.21, Lon: 121.45},
				CreatedAt: mustTime(t, "2026-01-05T08:30:00Z"), DueAt: mustTime(t, "2026-01-05T12:00:00Z"),
				PinnedWorker: "W1", PreviousWorker: "W9"},
			{ID: "T2", Region: "south", Location: paidan.Point{Lat: 31.1, Lon: 121.3},
				CreatedAt: mustTime(t, "2026-01-05T01:15:00.5Z")},
		},
		Workers: []paidan.Worker{
			{ID: "W1", Regions: []string{"north", "south"}, Skills: []string{"forklift"}, Capacity: 5, Load: 1,
				Location:   paidan.Point{Lat: 31.2, Lon: 121.4},
				ShiftStart: mustTime(t, "2026-01-05T08:00:00Z"), ShiftEnd: mustTime(t, "2026-01-05T18:00:00Z")},
			{ID: "W2", Capacity: 3, Location: paidan.Point{Lat: 31.3, Lon: 121.5}, MaxDistanceKm: 10},
		},
	}
	if !reflect.DeepEqual(ds.Batch, want) {
		t.Errorf("Batch:\n got %+v\nwant %+v", ds.Batch, want)
	}
	if !reflect.DeepEqual(ds.Rules, paidan.DefaultRules()) || ds.RulesFile != "" {
		t.Errorf("Rules = %+v from %q, want defaults from \"\"", ds.Rules, ds.RulesFile)
	}
	if len(ds.Skipped) != 0 {
		t.Errorf("Skipped = %v, want none", ds.Skipped)
	}
}

func TestLoadColumnsAnyOrderAndOptional(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{
		"workers.csv": "\uFEFFlon,lat,capacity,id\n121.5,31.3,2,W1\n",
		"tasks.csv":   "created_at,lon,lat,region,id\n2026-01-05T08:30:00Z,121.45,31.21,north,T1\n",
	})
	asOf := mustTime(t, "2026-01-05T10:00:00Z")
	ds, err := file.Load(context.Background(), dir, file.Options{AsOf: asOf.In(time.FixedZone("CST", 8*3600))})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &paidan.Batch{
		AsOf: asOf,
		Tasks: []paidan.Task{{ID: "T1", Region: "north", Location: paidan.Point{Lat: 31.21, Lon: 121.45},
			CreatedAt: mustTime(t, "2026-01-05T08:30:00Z")}},
		Workers: []paidan.Worker{{ID: "W1", Capacity: 2, Location: paidan.Point{Lat: 31.3, Lon: 121.5}}},
	}
	if !reflect.DeepEqual(ds.Batch, want) {
		t.Errorf("Batch:\n got %+v\nwant %+v", ds.Batch, want)
	}
}

func TestLoadEmptyTables(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{"tasks.csv": tasksHeader, "workers.csv": workersHeader})
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if b := ds.Batch; len(b.Tasks) != 0 || len(b.Workers) != 0 || !b.AsOf.IsZero() {
		t.Errorf("Batch = %+v, want empty with zero AsOf", b)
	}
}

// inputErrors returns the *paidan.InputError values in err's tree, in
// order.
func inputErrors(err error) []*paidan.InputError {
	var out []*paidan.InputError
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) {
		case *paidan.InputError:
			out = append(out, u)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// firstInputError returns the first *paidan.InputError in err's tree.
func firstInputError(tb testing.TB, err error) *paidan.InputError {
	tb.Helper()
	ie, ok := errors.AsType[*paidan.InputError](err)
	if !ok {
		tb.Fatalf("error %v is not a *paidan.InputError", err)
	}
	return ie
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	task := func(rows ...string) string { return tasksHeader + strings.Join(rows, "\n") + "\n" }
	worker := func(rows ...string) string { return workersHeader + strings.Join(rows, "\n") + "\n" }
	const (
		okTask   = "T1,north,,0,31.2,121.4,2026-01-05T08:00:00Z,,,"
		okWorker = "W1,north,,5,0,31.2,121.4,,,"
	)
	tests := []struct {
		name           string
		tasks, workers string // "" means the good table of the other kind's default
		source         string
		line, col      int
		key            string
		want           error
	}{
		{"task lat NaN", task("T1,north,,0,NaN,121.4,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 5, "lat", paidan.ErrNotFinite},
		{"task lon infinite", task("T1,north,,0,31,-Inf,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 6, "lon", paidan.ErrNotFinite},
		{"task lat above 90", task(okTask, "T2,north,,0,90.5,121.4,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 3, 5, "lat", paidan.ErrOutOfRange},
		{"task lon below -180", task("T1,north,,0,31,-180.01,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 6, "lon", paidan.ErrOutOfRange},
		{"task lat huge", task("T1,north,,0,1e400,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 5, "lat", paidan.ErrOutOfRange},
		{"task lon not a number", task("T1,north,,0,31,east,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 6, "lon", paidan.ErrSyntax},
		{"task lat padded", task("T1,north,,0, 31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 5, "lat", paidan.ErrSyntax},
		{"task lat empty", task("T1,north,,0,,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 5, "lat", paidan.ErrMissingValue},
		{"task duplicate id", task(okTask, okTask), "", "tasks.csv", 3, 1, "id", paidan.ErrDuplicateID},
		{"task id empty", task(",north,,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 1, "id", paidan.ErrMissingValue},
		{"task id with space", task("T 1,north,,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 1, "id", paidan.ErrSyntax},
		{"task id too long", task(strings.Repeat("x", 257) + ",north,,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 1, "id", paidan.ErrTooLong},
		{"task field too long", task("T1,north," + strings.Repeat("a;", 2100) + "b,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 3, "skills", paidan.ErrTooLong},
		{"task too many skills", task("T1,north," + strings.Repeat("s;", paidan.MaxNames) + "s,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 3, "skills", paidan.ErrTooLong},
		{"task region empty", task("T1,,,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 2, "region", paidan.ErrMissingValue},
		{"task region invalid UTF-8", task("T1,nor\xffth,,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 2, "region", paidan.ErrInvalidUTF8},
		{"task skills empty item", task("T1,north,a;;b,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 3, "skills", paidan.ErrMissingValue},
		{"task skills bad character", task("T1,north,fork lift,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 3, "skills", paidan.ErrSyntax},
		{"task skills listed twice", task("T1,north,a;b;a,0,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 3, "skills", paidan.ErrDuplicateID},
		{"task priority negative", task("T1,north,,-1,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 4, "priority", paidan.ErrNegative},
		{"task priority too high", task("T1,north,,1001,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 4, "priority", paidan.ErrOutOfRange},
		{"task priority fraction", task("T1,north,,1.5,31,121,2026-01-05T08:00:00Z,,,"), "", "tasks.csv", 2, 4, "priority", paidan.ErrSyntax},
		{"task created_at missing", task("T1,north,,0,31,121,,,,"), "", "tasks.csv", 2, 7, "created_at", paidan.ErrMissingValue},
		{"task created_at not RFC 3339", task("T1,north,,0,31,121,2026-01-05 08:00:00,,,"), "", "tasks.csv", 2, 7, "created_at", paidan.ErrSyntax},
		{"task created_at before 1970", task("T1,north,,0,31,121,1969-12-31T23:59:59Z,,,"), "", "tasks.csv", 2, 7, "created_at", paidan.ErrOutOfRange},
		{"task due_at bad", task("T1,north,,0,31,121,2026-01-05T08:00:00Z,tomorrow,,"), "", "tasks.csv", 2, 8, "due_at", paidan.ErrSyntax},
		{"task due before created", task("T1,north,,0,31,121,2026-01-05T08:00:00Z,2026-01-05T07:59:00Z,,"), "", "tasks.csv", 2, 8, "due_at", paidan.ErrOutOfRange},
		{"task pinned to unknown worker", task("T1,north,,0,31,121,2026-01-05T08:00:00Z,,W404,"), "", "tasks.csv", 2, 9, "pinned_worker", paidan.ErrUnknownRef},
		{"task previous worker malformed", task("T1,north,,0,31,121,2026-01-05T08:00:00Z,,,W;1"), "", "tasks.csv", 2, 10, "previous_worker", paidan.ErrSyntax},
		{"task pinned to rejected worker", task("T1,north,,0,31,121,2026-01-05T08:00:00Z,,W3,"), worker(okWorker, "W3,north,,-5,0,31,121,,,"), "tasks.csv", 2, 9, "pinned_worker", paidan.ErrUnknownRef},
		{"task wrong field count", task(okTask, "T2,north,,0,31"), "", "tasks.csv", 3, 0, "", paidan.ErrSyntax},
		{"task bare quote", task(`T"1,north,,0,31,121,2026-01-05T08:00:00Z,,,`), "", "tasks.csv", 2, 0, "", paidan.ErrSyntax},
		{"tasks empty file", "", "", "tasks.csv", 1, 0, "", paidan.ErrMissingColumn},
		{"tasks missing column", "id,region,lon,created_at\nT1,north,121,2026-01-05T08:00:00Z\n", "", "tasks.csv", 1, 0, "lat", paidan.ErrMissingColumn},
		{"tasks unknown column", strings.TrimSuffix(tasksHeader, "\n") + ",colour\n" + okTask + ",red\n", "", "tasks.csv", 1, 11, "colour", paidan.ErrUnknownKey},
		{"tasks column twice", "id,region,lat,lon,created_at,lat\nT1,north,31,121,2026-01-05T08:00:00Z,31\n", "", "tasks.csv", 1, 6, "lat", paidan.ErrDuplicateID},
		{"tasks line too long", tasksHeader + strings.Repeat("x", file.MaxLineBytes+10), "", "tasks.csv", 2, 0, "", paidan.ErrTooLong},
		{"tasks later line too long", task(okTask, strings.Repeat("x", file.MaxLineBytes+1), okTask), "", "tasks.csv", 3, 0, "", paidan.ErrTooLong},
		{"tasks longest line accepted", task(okTask + strings.Repeat(" ", file.MaxLineBytes-len(okTask))), "", "tasks.csv", 2, 10, "previous_worker", paidan.ErrTooLong},
		{"worker capacity negative", "", worker("W1,north,,-1,0,31,121,,,"), "workers.csv", 2, 4, "capacity", paidan.ErrNegative},
		{"worker capacity absurd", "", worker("W1,north,,1000001,0,31,121,,,"), "workers.csv", 2, 4, "capacity", paidan.ErrOutOfRange},
		{"worker capacity overflows", "", worker("W1,north,,99999999999999999999,0,31,121,,,"), "workers.csv", 2, 4, "capacity", paidan.ErrOutOfRange},
		{"worker capacity missing", "", worker("W1,north,,,0,31,121,,,"), "workers.csv", 2, 4, "capacity", paidan.ErrMissingValue},
		{"worker load negative", "", worker("W1,north,,5,-2,31,121,,,"), "workers.csv", 2, 5, "load", paidan.ErrNegative},
		{"worker load absurd", "", worker("W1,north,,5,2000000,31,121,,,"), "workers.csv", 2, 5, "load", paidan.ErrOutOfRange},
		{"worker regions bad character", "", worker("W1,north;so uth,,5,0,31,121,,,"), "workers.csv", 2, 2, "regions", paidan.ErrSyntax},
		{"worker duplicate id", "", worker(okWorker, okWorker), "workers.csv", 3, 1, "id", paidan.ErrDuplicateID},
		{"worker shift ends at its start", "", worker("W1,north,,5,0,31,121,2026-01-05T10:00:00Z,2026-01-05T10:00:00Z,"), "workers.csv", 2, 9, "shift_end", paidan.ErrOutOfRange},
		{"worker id with a control character", "", worker("\"W\x1b1\",north,,5,0,31,121,,,"), "workers.csv", 2, 1, "id", paidan.ErrSyntax},
		{"worker id too long", "", worker(strings.Repeat("w", paidan.MaxIDBytes+1) + ",north,,5,0,31,121,,,"), "workers.csv", 2, 1, "id", paidan.ErrTooLong},
		{"worker capacity too high", "", worker("W1,north,,1000001,0,31,121,,,"), "workers.csv", 2, 4, "capacity", paidan.ErrOutOfRange},
		{"task created after 2262", task("T1,north,,0,31,121,2262-04-11T23:47:16.854776Z,,,"), "", "tasks.csv", 2, 7, "created_at", paidan.ErrOutOfRange},
		{"worker shift ends before start", "", worker("W1,north,,5,0,31,121,2026-01-05T10:00:00Z,2026-01-05T09:00:00Z,"), "workers.csv", 2, 9, "shift_end", paidan.ErrOutOfRange},
		{"worker shift after 2262", "", worker("W1,north,,5,0,31,121,2300-01-01T00:00:00Z,,"), "workers.csv", 2, 8, "shift_start", paidan.ErrOutOfRange},
		{"worker max distance infinite", "", worker("W1,north,,5,0,31,121,,,+Inf"), "workers.csv", 2, 10, "max_distance_km", paidan.ErrNotFinite},
		{"worker max distance negative", "", worker("W1,north,,5,0,31,121,,,-3"), "workers.csv", 2, 10, "max_distance_km", paidan.ErrNegative},
		{"worker id invalid UTF-8", "", worker("W\xc3,north,,5,0,31,121,,,"), "workers.csv", 2, 1, "id", paidan.ErrInvalidUTF8},
		{"workers missing column", "", "id,lat,lon\nW1,31,121\n", "workers.csv", 1, 0, "capacity", paidan.ErrMissingColumn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"tasks.csv": goodTasks, "workers.csv": goodWorkers}
			if tt.source == "tasks.csv" {
				files["tasks.csv"] = tt.tasks
				files["workers.csv"] = goodWorkers
				if tt.workers != "" {
					files["workers.csv"] = tt.workers
				}
			} else {
				files["workers.csv"] = tt.workers
				files["tasks.csv"] = tasksHeader
			}
			dir := writeDataset(t, files)
			ds, err := file.Load(context.Background(), dir, file.Options{})
			if err == nil {
				t.Fatalf("Load = %+v, want an error", ds.Batch)
			}
			ie := firstInputError(t, err)
			if tt.source == "tasks.csv" && tt.workers != "" {
				// The rejected worker comes first; the task's error follows.
				all := inputErrors(err)
				ie = all[len(all)-1]
			}
			if ie.Source != tt.source || ie.Line != tt.line || ie.Column != tt.col || ie.Key != tt.key {
				t.Errorf("error at %s:%d:%d %q, want %s:%d:%d %q (%v)", ie.Source, ie.Line, ie.Column, ie.Key,
					tt.source, tt.line, tt.col, tt.key, err)
			}
			if !errors.Is(ie, tt.want) {
				t.Errorf("error %v does not wrap %v", ie, tt.want)
			}
		})
	}
}

func TestLoadLinesAfterQuotedLineBreak(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{
		"workers.csv": goodWorkers,
		"tasks.csv": tasksHeader +
			"T1,\"no\nrth\",,0,31,121,2026-01-05T08:00:00Z,,,\n" +
			"T2,north,,0,31,121,2026-01-05T08:00:00Z,,W404,\n",
	})
	_, err := file.Load(context.Background(), dir, file.Options{})
	var got []string
	for _, ie := range inputErrors(err) {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", ie.Source, ie.Line, ie.Column, ie.Key))
	}
	want := []string{"tasks.csv:2:2 region", "tasks.csv:4:9 pinned_worker"}
	if !slices.Equal(got, want) {
		t.Errorf("errors at %q, want %q", got, want)
	}
}

func TestLoadMissingTable(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{"workers.csv": goodWorkers})
	_, err := file.Load(context.Background(), dir, file.Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load = %v, want fs.ErrNotExist", err)
	}
	if ie := firstInputError(t, err); ie.Source != "tasks.csv" {
		t.Errorf("Source = %q, want tasks.csv", ie.Source)
	}
}

func TestLoadBothFormats(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{"workers.csv": goodWorkers, "tasks.csv": goodTasks, "workers.parquet": ""})
	_, err := file.Load(context.Background(), dir, file.Options{})
	if !errors.Is(err, file.ErrAmbiguousTable) || errors.Is(err, paidan.ErrDuplicateID) {
		t.Fatalf("Load = %v, want file.ErrAmbiguousTable", err)
	}
	if !strings.Contains(err.Error(), "both workers.csv and workers.parquet") {
		t.Errorf("message %q does not name both files", err)
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nosuch")
	_, err := file.Load(context.Background(), dir, file.Options{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no such dataset directory") ||
		!strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), "workers.csv") {
		t.Fatalf("Load = %v, want an error saying the directory %s does not exist", err, dir)
	}
	notDir := filepath.Join(t.TempDir(), "tasks.csv")
	if err := os.WriteFile(notDir, []byte(tasksHeader), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := file.Load(context.Background(), notDir, file.Options{}); !errors.Is(err, fs.ErrInvalid) ||
		!strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Load of a file = %v, want an error saying it is not a directory", err)
	}
}

func TestLoadCollectsErrorsUpToCap(t *testing.T) {
	t.Parallel()
	var rows strings.Builder
	rows.WriteString(tasksHeader)
	for i := range 30 {
		fmt.Fprintf(&rows, "T%d,north,,0,95,121,2026-01-05T08:00:00Z,,,\n", i)
	}
	dir := writeDataset(t, map[string]string{"workers.csv": goodWorkers, "tasks.csv": rows.String()})
	for _, tt := range []struct {
		max, want int
	}{{0, file.DefaultMaxErrors}, {5, 5}, {100, 30}} {
		t.Run(fmt.Sprint("max=", tt.max), func(t *testing.T) {
			t.Parallel()
			_, err := file.Load(context.Background(), dir, file.Options{MaxErrors: tt.max})
			errs := inputErrors(err)
			if len(errs) != tt.want {
				t.Fatalf("got %d errors, want %d", len(errs), tt.want)
			}
			for i, ie := range errs {
				if ie.Line != i+2 || !errors.Is(ie, paidan.ErrOutOfRange) {
					t.Errorf("error %d = %v, want line %d out of range", i, ie, i+2)
				}
			}
		})
	}
}

func TestLoadSkipInvalid(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{
		"workers.csv": workersHeader +
			"W1,north,,5,0,31.2,121.4,,,\n" +
			"W2,north,,-5,0,31.2,121.4,,,\n" + // bad capacity
			"W1,north,,5,0,31.2,121.4,,,\n", // duplicate
		"tasks.csv": tasksHeader +
			"T1,north,,0,31,121,2026-01-05T08:00:00Z,,W1,\n" +
			"T2,north,,0,31,121,2026-01-05T08:00:00Z,,W2,\n" + // pinned to the skipped W2
			"T3,north,,0,91,121,2026-01-05T08:00:00Z,,,\n" + // bad lat
			"T4,north,,0,31,121,2026-01-05T09:00:00Z,,,W2\n" + // previous worker may be absent
			"T1,north,,0,31,121,2026-01-05T08:00:00Z,,,\n" + // duplicate
			"T5,north,,0,31\n", // short row
	})
	ds, err := file.Load(context.Background(), dir, file.Options{SkipInvalid: true})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var ids []string
	for _, task := range ds.Batch.Tasks {
		ids = append(ids, string(task.ID))
	}
	if want := []string{"T1", "T4"}; !slices.Equal(ids, want) {
		t.Errorf("tasks %v, want %v", ids, want)
	}
	if len(ds.Batch.Workers) != 1 || ds.Batch.Workers[0].ID != "W1" {
		t.Errorf("workers %+v, want only W1", ds.Batch.Workers)
	}
	if got, want := ds.Batch.AsOf, mustTime(t, "2026-01-05T09:00:00Z"); !got.Equal(want) {
		t.Errorf("AsOf = %v, want %v", got, want)
	}
	type skip struct {
		where string
		err   error
	}
	want := []skip{
		{"workers.csv:3:4 capacity", paidan.ErrNegative},
		{"workers.csv:4:1 id", paidan.ErrDuplicateID},
		{"tasks.csv:3:9 pinned_worker", paidan.ErrUnknownRef},
		{"tasks.csv:4:5 lat", paidan.ErrOutOfRange},
		{"tasks.csv:6:1 id", paidan.ErrDuplicateID},
		{"tasks.csv:7:0 ", paidan.ErrSyntax},
	}
	if len(ds.Skipped) != len(want) {
		t.Fatalf("skipped %v, want %d rows", ds.Skipped, len(want))
	}
	for i, ie := range ds.Skipped {
		where := fmt.Sprintf("%s:%d:%d %s", ie.Source, ie.Line, ie.Column, ie.Key)
		if where != want[i].where || !errors.Is(ie, want[i].err) {
			t.Errorf("skipped[%d] = %s (%v), want %s wrapping %v", i, where, ie, want[i].where, want[i].err)
		}
	}
}

func TestLoadCancelled(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{"tasks.csv": goodTasks, "workers.csv": goodWorkers})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := file.Load(ctx, dir, file.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %v, want context.Canceled", err)
	}
}

func TestLoadDuplicateTaskIDs(t *testing.T) {
	t.Parallel()
	row := func(id string) string { return id + ",north,,0,31,121,2026-01-05T08:00:00Z,,,\n" }
	tests := []struct {
		name  string
		ids   []string
		lines []int // lines of the duplicates
		first []int // lines they repeat
	}{
		{"in order", []string{"a", "b", "c"}, nil, nil},
		{"in order, repeated last", []string{"a", "b", "b", "c"}, []int{4}, []int{3}},
		{"out of order", []string{"b", "a", "c", "a", "b"}, []int{5, 6}, []int{3, 2}},
		{"order broken later", []string{"a", "b", "c", "d", "a0", "c", "e", "e"}, []int{7, 9}, []int{4, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tasks := tasksHeader
			for _, id := range tt.ids {
				tasks += row(id)
			}
			dir := writeDataset(t, map[string]string{"tasks.csv": tasks, "workers.csv": goodWorkers})
			_, err := file.Load(context.Background(), dir, file.Options{})
			var lines, first []int
			for _, ie := range inputErrors(err) {
				if !errors.Is(ie, paidan.ErrDuplicateID) {
					t.Errorf("unexpected error %v", ie)
				}
				lines = append(lines, ie.Line)
				var n int
				if _, err := fmt.Sscanf(ie.Err.Error()[strings.Index(ie.Err.Error(), "line "):], "line %d", &n); err != nil {
					t.Fatal(err)
				}
				first = append(first, n)
			}
			if !slices.Equal(lines, tt.lines) || !slices.Equal(first, tt.first) {
				t.Errorf("duplicates on lines %v of lines %v, want %v of %v", lines, first, tt.lines, tt.first)
			}
		})
	}
}

func TestLoadKeepsErrorsBeforeAFatalOne(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{
		"rules.yaml":  "speed_kmh: -1\n",
		"workers.csv": workersHeader + "W1,north,,-1,0,31,121,,,\n",
		"tasks.csv":   "id,colour\n",
	})
	_, err := file.Load(context.Background(), dir, file.Options{})
	var got []string
	for _, ie := range inputErrors(err) {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", ie.Source, ie.Line, ie.Column, ie.Key))
	}
	want := []string{"rules.yaml:1:0 ", "workers.csv:2:4 capacity", "tasks.csv:1:2 colour",
		"tasks.csv:1:0 region", "tasks.csv:1:0 lat", "tasks.csv:1:0 lon", "tasks.csv:1:0 created_at"}
	if !slices.Equal(got, want) {
		t.Errorf("errors at\n%q, want\n%q", got, want)
	}
}

// TestLoadManyRows crosses the boundaries of the chunks that CSV rows are
// split in ahead of validation.
func TestLoadManyRows(t *testing.T) {
	t.Parallel()
	const n = 5000
	bad := map[int]string{ // row number (0-based) → row
		0:    "T0,north,,0,31\n",
		1022: "T1022,north,,0,95,121,2026-01-05T08:00:00Z,,,\n",
		1023: "T1023,north,,0,31\n",
		1024: "T1024,north,,0,95,121,2026-01-05T08:00:00Z,,,\n",
		2047: "T2047,north,,0,95,121,2026-01-05T08:00:00Z,,,\n",
		4999: "T4999,north,,0,95,121,2026-01-05T08:00:00Z,,,\n",
	}
	var rows strings.Builder
	rows.WriteString(tasksHeader)
	for i := range n {
		if r, ok := bad[i]; ok {
			rows.WriteString(r)
			continue
		}
		fmt.Fprintf(&rows, "T%d,north,,0,31,121,2026-01-05T08:00:00Z,,,\n", i)
	}
	dir := writeDataset(t, map[string]string{"tasks.csv": rows.String(), "workers.csv": goodWorkers})

	ds, err := file.Load(context.Background(), dir, file.Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ds.Batch.Tasks), n-len(bad); got != want {
		t.Errorf("got %d tasks, want %d", got, want)
	}
	var lines []int
	for _, ie := range ds.Skipped {
		lines = append(lines, ie.Line)
	}
	if want := []int{2, 1024, 1025, 1026, 2049, 5001}; !slices.Equal(lines, want) {
		t.Errorf("skipped lines %v, want %v", lines, want)
	}
	for i, task := range ds.Batch.Tasks {
		if task.ID == "" || (i > 0 && ds.Batch.Tasks[i-1].ID == task.ID) {
			t.Fatalf("task %d: id %q after %q", i, task.ID, ds.Batch.Tasks[i-1].ID)
		}
	}

	// A strict load stops at the error cap, long before the end of the file.
	_, err = file.Load(context.Background(), dir, file.Options{MaxErrors: 3})
	var got []int
	for _, ie := range inputErrors(err) {
		got = append(got, ie.Line)
	}
	if want := []int{2, 1024, 1025}; !slices.Equal(got, want) {
		t.Errorf("strict errors on lines %v, want %v", got, want)
	}
}

func TestLoadCRLF(t *testing.T) {
	t.Parallel()
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	dir := writeDataset(t, map[string]string{"tasks.csv": crlf(goodTasks), "workers.csv": crlf(goodWorkers)})
	want, err := file.Load(context.Background(), writeDataset(t, map[string]string{"tasks.csv": goodTasks, "workers.csv": goodWorkers}), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Batch, want.Batch) {
		t.Errorf("CRLF batch:\n got %+v\nwant %+v", got.Batch, want.Batch)
	}
}
