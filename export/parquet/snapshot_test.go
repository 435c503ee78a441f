package parquet_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
)

func snapshotTask(i int, at time.Time) *paidan.TaskRecord {
	return &paidan.TaskRecord{ID: fmt.Sprintf("T%07d", i), Partition: "city", Region: "north",
		Skills: []string{"forklift", "cold"}, Priority: int64(i % 4), Lat: 31.2, Lon: 121.4,
		CreatedAt: at, Status: "pending", Version: 1, UpdatedAt: at}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "handover")
	at := time.Date(2026, 1, 5, 8, 0, 0, 123456000, time.UTC)
	w, err := parquet.CreateSnapshot(out, 0)
	if err != nil {
		t.Fatal(err)
	}
	tasks := []*paidan.TaskRecord{snapshotTask(1, at), {ID: "T2", Partition: "city", Status: "assigned",
		DueAt: at.Add(time.Hour), PinnedWorker: "W1", AssignedWorker: "W1", AssignedRun: "r1"}}
	for i := 3; i < 3000; i++ { // more than one write batch
		tasks = append(tasks, snapshotTask(i, at))
	}
	for _, r := range tasks {
		if err := w.Task.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Worker.Write(&paidan.WorkerRecord{ID: "W1", Partition: "city", Capacity: 3, Active: true, ShiftEnd: at}); err != nil {
		t.Fatal(err)
	}
	if err := w.Run.Write(&paidan.RunRecord{ID: "r1", Partition: "city", StartedAt: at, Status: "running", KPIs: `{"a":1}`}); err != nil {
		t.Fatal(err)
	}
	if err := w.Unassigned.Write(&paidan.UnassignedRecord{RunID: "r1", TaskID: "T3", Reason: "no_skill", Detail: "d", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	m, err := w.Commit(at, "v1", []string{"table paidan.task: T9: due_at: infinity …"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := parquetgo.ReadFile[parquet.SnapshotTaskRow](filepath.Join(out, parquet.SnapshotTaskFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tasks) {
		t.Fatalf("read %d task rows, want %d", len(got), len(tasks))
	}
	w1, due := "W1", at.Add(time.Hour)
	want := parquet.SnapshotTaskRow{ID: "T2", Partition: "city", Skills: []string{}, Status: "assigned", DueAt: &due,
		PinnedWorker: &w1, AssignedWorker: &w1, AssignedRun: new("r1")}
	if g := got[1]; g.DueAt == nil || !g.DueAt.Equal(due) || g.CreatedAt != nil || g.UpdatedAt != nil {
		t.Errorf("T2 times %v %v %v; want due %v and no created or updated time", g.DueAt, g.CreatedAt, g.UpdatedAt, due)
	} else {
		g.DueAt = &due
		if !reflect.DeepEqual(g, want) {
			t.Errorf("T2 read back\n got %+v\nwant %+v", g, want)
		}
	}
	if g := got[0]; g.ID != "T0000001" || !reflect.DeepEqual(g.Skills, []string{"forklift", "cold"}) || !g.CreatedAt.Equal(at) {
		t.Errorf("T1 read back as %+v", g)
	}

	data, err := os.ReadFile(filepath.Join(out, parquet.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var man parquet.SnapshotManifest
	if err := json.Unmarshal(data, &man); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&man, m) || len(man.Problems) != 1 || !man.SnapshotAt.Equal(at) || man.PaidanVersion != "v1" {
		t.Errorf("manifest on disk %+v, returned %+v", man, m)
	}
	rows := map[string]int64{parquet.SnapshotTaskFile: int64(len(tasks)), parquet.SnapshotWorkerFile: 1,
		parquet.SnapshotRunFile: 1, parquet.SnapshotAssignmentFile: 0, parquet.SnapshotUnassignedFile: 1}
	if len(man.Files) != len(rows) {
		t.Errorf("manifest lists %d files, want %d", len(man.Files), len(rows))
	}
	for _, f := range man.Files {
		b, err := os.ReadFile(filepath.Join(out, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if f.Rows != rows[f.Name] || f.Bytes != int64(len(b)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: manifest %+v; file %d bytes, want %d rows", f.Name, f, len(b), rows[f.Name])
		}
		if st, _ := os.Stat(filepath.Join(out, f.Name)); st.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", f.Name, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o750 {
		t.Errorf("directory mode %v, want 0750", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("%d entries beside the snapshot, want none", len(entries)-1)
	}
	if _, err := parquet.CreateSnapshot(out, 0); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateSnapshot over an existing directory: %v, want fs.ErrExist", err)
	}
}

func TestSnapshotAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := parquet.CreateSnapshot(filepath.Join(dir, "x"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Task.Write(snapshotTask(1, time.Now())); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("abort left %d entries", len(entries))
	}
}

// BenchmarkSnapshotTasks streams n task records into a snapshot and
// reports the peak live heap (runtime/metrics /gc/heap/live:bytes, the heap
// the last GC found reachable, sampled every 256 rows), which stays flat in
// n: a table is written in bounded batches and row groups, never held
// whole.
func BenchmarkSnapshotTasks(b *testing.B) {
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var peak atomic.Uint64
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			for b.Loop() {
				out := filepath.Join(b.TempDir(), "s")
				w, err := parquet.CreateSnapshot(out, 0)
				if err != nil {
					b.Fatal(err)
				}
				r := snapshotTask(0, at)
				for i := range n {
					r.ID = fmt.Sprintf("T%07d", i)
					if err := w.Task.Write(r); err != nil {
						b.Fatal(err)
					}
					if i%256 == 0 {
						metrics.Read(live)
						if v := live[0].Value.Uint64(); v > peak.Load() {
							peak.Store(v)
						}
					}
				}
				if _, err := w.Commit(at, "bench", nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-live-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
