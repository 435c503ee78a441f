package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/metrics"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// BenchmarkLoad measures loading a partition of n pending tasks (two skills
// each) and 1000 workers, validation included.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			db := pgtest.New(b)
			ctx := context.Background()
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon)
					SELECT 'w' || i, 'bench', '{north}', '{a,b,c}', 100, 52, 13 FROM generate_series(1, 1000) i`, nil},
				{`INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon)
					SELECT 't' || i, 'bench', 'north', '{a,b}', i % 5, 52, 13 FROM generate_series(1, $1) i`, []any{n}},
				{`ANALYZE`, nil},
			} {
				if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				batch, _, err := postgres.Load(ctx, db, "bench", postgres.LoadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(batch.Tasks) != n {
					b.Fatalf("loaded %d tasks, want %d", len(batch.Tasks), n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}

// BenchmarkSnapshotExport streams a database of n tasks (and 1000 workers)
// through Snapshot into an export/parquet snapshot, as paidan export does,
// and reports the peak live heap (runtime/metrics /gc/heap/live:bytes,
// sampled every 256 rows): flat in n, since no table is held whole.
func BenchmarkSnapshotExport(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 300_000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			db := pgtest.New(b)
			ctx := context.Background()
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO paidan.worker (id, partition, regions, skills, capacity, lat, lon)
					SELECT 'w' || i, 'bench', '{north}', '{a,b,c}', 100, 52, 13 FROM generate_series(1, 1000) i`, nil},
				{`INSERT INTO paidan.task (id, partition, region, skills, priority, lat, lon)
					SELECT 't' || lpad(i::text, 7, '0'), 'bench', 'north', '{a,b}', i % 5, 52, 13 FROM generate_series(1, $1) i`, []any{n}},
				{`ANALYZE`, nil},
			} {
				if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
					b.Fatal(err)
				}
			}
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var peak uint64
			rows := 0
			sample := func() {
				if rows++; rows%256 == 0 {
					metrics.Read(live)
					peak = max(peak, live[0].Value.Uint64())
				}
			}
			for b.Loop() {
				w, err := parquet.CreateSnapshot(filepath.Join(b.TempDir(), "s"), 0)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := postgres.Snapshot(ctx, db, postgres.SnapshotVisitor{
					Task:   func(r *paidan.TaskRecord) error { sample(); return w.Task.Write(r) },
					Worker: func(r *paidan.WorkerRecord) error { sample(); return w.Worker.Write(r) },
				})
				if err != nil {
					b.Fatal(err)
				}
				m, err := w.Commit(rep.At, "bench", nil)
				if err != nil {
					b.Fatal(err)
				}
				if m.Files[0].Rows != int64(n) {
					b.Fatalf("exported %d tasks, want %d", m.Files[0].Rows, n)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}
