package file_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
)

// checkLoadRoundTrip loads dir strictly, or with SkipInvalid when the
// strict load fails; an accepted batch must survive Write and Load in both
// formats, and a failure must be an input error.
func checkLoadRoundTrip(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	ds, err := file.Load(ctx, dir, file.Options{})
	if err != nil {
		if _, ok := errors.AsType[*paidan.InputError](err); !ok {
			t.Fatalf("Load = %v, want an input error", err)
		}
		if ds, err = file.Load(ctx, dir, file.Options{SkipInvalid: true}); err != nil {
			if _, ok := errors.AsType[*paidan.InputError](err); !ok {
				t.Fatalf("Load skipping invalid rows = %v, want an input error", err)
			}
			return
		}
		if len(ds.Skipped) == 0 {
			t.Fatal("a strict load failed, but skipping invalid rows skipped none")
		}
	}
	for _, ie := range ds.Skipped {
		if ie.Source == "" || ie.Line < 1 || ie.Err == nil {
			t.Errorf("skipped row without a position: %v", ie)
		}
	}
	for _, format := range []file.Format{file.CSV, file.Parquet} {
		out := filepath.Join(t.TempDir(), format.String())
		if err := file.Write(ctx, out, ds.Batch, file.WriteOptions{Format: format}); err != nil {
			t.Fatalf("Write %s: %v", format, err)
		}
		again, err := file.Load(ctx, out, file.Options{AsOf: ds.Batch.AsOf})
		if err != nil {
			t.Fatalf("Load of written %s: %v", format, err)
		}
		if !reflect.DeepEqual(again.Batch, ds.Batch) {
			t.Fatalf("%s round trip:\n got %+v\nwant %+v", format, again.Batch, ds.Batch)
		}
	}
}

func tableSeeds(header string, rows ...string) []string {
	seeds := []string{"", header, "\uFEFF" + header, "id\n", "a,b\n1,2,3\n"}
	for _, r := range rows {
		seeds = append(seeds, header+r+"\n", header+r+"\n"+r+"\n")
	}
	return seeds
}

func FuzzLoadTasksCSV(f *testing.F) {
	for _, s := range tableSeeds(tasksHeader,
		"T1,north,forklift,2,31.21,121.45,2026-01-05T08:30:00Z,2026-01-05T12:00:00Z,W1,W9",
		"T2,south,,,31.1,121.3,2026-01-05T09:15:00.5+08:00,,,",
		"T3,浦东,a;b,0,-0,180,1970-01-01T00:00:00Z,,W2,",
		`"T4","north","",1,"1e-3","0x1p-2",2026-01-05T08:30:00Z,,,`,
		"T5,north,,0,NaN,121,2026-01-05T08:00:00Z,,,",
		"T6,north,,0,31,121,2026-01-05T08:00:00Z,,W404,",
		"T8,north,,1001,31,121,2262-04-11T23:47:16.854776Z,2026-01-05T08:00:00Z,,",
		"\"T\x1b9\",north,,0,31,121,2026-01-05T08:00:00Z,2026-01-05T07:59:59.999999999Z,,",
		`T"7,north,,0,31,121,2026-01-05T08:00:00Z,,,`,
	) {
		f.Add(s)
	}
	f.Add("lon,id,lat,created_at,region\n121,T1,31,2026-01-05T08:00:00Z,north\n")
	f.Fuzz(func(t *testing.T, tasks string) {
		dir := writeDataset(t, map[string]string{"tasks.csv": tasks, "workers.csv": goodWorkers})
		checkLoadRoundTrip(t, dir)
	})
}

func FuzzLoadWorkersCSV(f *testing.F) {
	for _, s := range tableSeeds(workersHeader,
		"W1,north;south,forklift,5,1,31.2,121.4,2026-01-05T08:00:00Z,2026-01-05T18:00:00Z,",
		"W2,,,3,0,31.3,121.5,,,10",
		"W3,north,,-1,0,31,121,,,",
		"W4,north,,5,0,31,121,2026-01-05T10:00:00Z,2026-01-05T09:00:00Z,",
		"W5,north,,1000000,1000000,90,-180,,,40000",
		"W1,北,a;b;c,1,0,31,121,,,0.5",
		"W6,north,,5,0,31,121,2026-01-05T10:00:00Z,2026-01-05T10:00:00Z,",
		"W7,north,a;a,5,1000001,31,121,2262-04-11T23:47:16.854775Z,2262-04-11T23:47:16.854776Z,40000.5",
		"\"W\x018\",\"n\x7f\",,5,0,31,121,1969-12-31T23:59:59Z,,",
	) {
		f.Add(s)
	}
	f.Add("capacity,id,lon,lat\n1,W1,121,31\n")
	tasks := tasksHeader + "T1,north,,0,31,121,2026-01-05T08:00:00Z,,W1,W2\n"
	f.Fuzz(func(t *testing.T, workers string) {
		dir := writeDataset(t, map[string]string{"tasks.csv": tasks, "workers.csv": workers})
		checkLoadRoundTrip(t, dir)
	})
}

func FuzzRules(f *testing.F) {
	for _, s := range []string{
		"",
		"resolution: 0.01\ncandidates_per_task: 5\n",
		"unassigned:\n  base: 200\n  max_waiting_hours: 0\n",
		"balance:\n  - above: 0.6\n    cost_per_task: 3\n  - above: 0.9\n    cost_per_task: 3\n",
		"balance: []\n",
		"{speed_kmh: 20, unassigned: {per_priority: 100}}",
		"speed: 3\n",
		"candidates_per_task: 2.5\n",
		"a: &x [*x]\n",
		"max_distance_km: 1e308\ntravel_cost_per_km: 0x10\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		r, err := file.ReadRules(strings.NewReader(doc), "rules.yaml")
		if err != nil {
			if _, ok := errors.AsType[*paidan.InputError](err); !ok {
				t.Fatalf("ReadRules = %v, want an input error", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := file.WriteRules(&buf, &r); err != nil {
			t.Fatal(err)
		}
		again, err := file.ReadRules(&buf, "rules.yaml")
		if err != nil {
			t.Fatalf("ReadRules of written rules: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, r)
		}
	})
}

func FuzzLoadTasksParquet(f *testing.F) {
	dir := f.TempDir()
	b := edgeBatch(f)
	if err := file.Write(context.Background(), dir, b, file.WriteOptions{Format: file.Parquet}); err != nil {
		f.Fatal(err)
	}
	valid, err := os.ReadFile(filepath.Join(dir, "tasks.parquet"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("PAR1"))
	workers := workersHeader + "W-1,,,5,0,31,121,,,\n"
	f.Fuzz(func(t *testing.T, tasks []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "tasks.parquet"), tasks, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "workers.csv"), []byte(workers), 0o644); err != nil {
			t.Fatal(err)
		}
		checkLoadRoundTrip(t, dir)
	})
}
