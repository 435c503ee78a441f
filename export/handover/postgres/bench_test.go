package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/export/handover"
	handoverpg "github.com/paidan/paidan/export/handover/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// benchRuns is how many runs share a benchmark's assignment rows: n rows
// are n/benchRuns tasks, each assigned once by every run.
const benchRuns = 10

// seedAssignments fills a database with n assignment rows (and their
// tasks, workers and runs).
func seedAssignments(b *testing.B, n int) *sqlx.DB {
	b.Helper()
	db := pgtest.New(b)
	tasks := n / benchRuns
	for _, q := range []string{
		`INSERT INTO paidan.worker (id, partition, capacity, lat, lon)
			SELECT 'w' || lpad(i::text, 4, '0'), 'bench', 1, 0, 0 FROM generate_series(0, 999) i`,
		fmt.Sprintf(`INSERT INTO paidan.task (id, partition, lat, lon, skills)
			SELECT 't' || lpad(i::text, 8, '0'), 'bench', 0, 0, '{forklift}' FROM generate_series(0, %d) i`, tasks-1),
		fmt.Sprintf(`INSERT INTO paidan.run (id, partition) SELECT 'r' || i, 'bench' FROM generate_series(1, %d) i`, benchRuns),
		fmt.Sprintf(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active)
			SELECT 'r' || r, 't' || lpad(i::text, 8, '0'), 'w' || lpad((i %% 1000)::text, 4, '0'), i %% 17, i %% 13, 0.5, 0, r = %d
			FROM generate_series(1, %d) r, generate_series(0, %d) i`, benchRuns, benchRuns, tasks-1),
		`VACUUM ANALYZE`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// peakHeap samples the Go heap (live and not yet collected objects) every
// few milliseconds until stop is called, and returns the highest sample.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkExport exports a database of n assignment rows (n/10 tasks,
// 1,000 workers, 10 runs) and reports, besides the time, the rows written
// per second, the peak of the Go heap during the export (peak-heap-MB):
// flat in n when every table streams, and, measured after the timer, the
// time to merely read the same columns in the same order (read-floor-s)
// and the export's multiple of it (x-floor). Filling the database is outside the
// timer (and takes most of the wall time at 10M rows).
//
//	go test ./export/handover/postgres/ -run '^$' -bench 'Export/rows=1000000$' -benchtime 1x
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := seedAssignments(b, n)
			ctx := context.Background()
			dir := b.TempDir()
			var peak uint64
			i := 0
			for b.Loop() {
				runtime.GC()
				stop := peakHeap()
				src, err := handoverpg.Begin(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				out := filepath.Join(dir, fmt.Sprint(i))
				m, err := handover.Export(ctx, src, out, handover.Options{})
				src.Close()
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				if rows := tableRows(m, "paidan.assignment"); rows != int64(n) {
					b.Fatalf("assignment: %d rows, want %d", rows, n)
				}
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
				i++
			}
			floor := readFloor(b, db)
			b.ReportMetric(floor.Seconds(), "read-floor-s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/floor.Seconds(), "x-floor")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
		})
	}
}

// readFloor is the time to read every exported column of every exported
// table in key order (SELECT cols ... ORDER BY key) and discard the rows:
// what any client of this server pays before converting or writing a byte.
func readFloor(b *testing.B, db *sqlx.DB) time.Duration {
	b.Helper()
	ctx := context.Background()
	tables, err := handoverpg.Tables(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := handover.Plan(tables, handover.Policy())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, p := range plan {
		if p.Excluded != "" {
			continue
		}
		cols := make([]string, len(p.Columns))
		for i, c := range p.Columns {
			cols[i] = `"` + c.Name + `"`
		}
		q := "SELECT " + strings.Join(cols, ", ") + " FROM paidan." + p.Table.Name
		if len(p.Table.Key) > 0 {
			q += ` ORDER BY "` + strings.Join(p.Table.Key, `", "`) + `"`
		}
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(sql.RawBytes)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				b.Fatal(err)
			}
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

func tableRows(m *handover.Manifest, name string) int64 {
	for _, t := range m.Tables {
		if t.Name == name {
			return t.Rows
		}
	}
	return -1
}
