package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/postgres"
)

// benchSizes are the plan sizes of the write-back benchmarks.
var benchSizes = []int{10_000, 100_000}

// benchWorkers is how many workers share a benchmark's tasks; each has room
// for all of its tasks, so every assignment is written.
const benchWorkers = 1000

// seedBench fills a database with n pending tasks and benchWorkers workers
// of partition "bench" and returns the loaded batch and a plan assigning
// task i to worker i mod benchWorkers.
func seedBench(b testing.TB, n int) (*sqlx.DB, *paidan.Batch, *paidan.Plan) {
	b.Helper()
	db := newDB(b)
	exec(b, db, `INSERT INTO paidan.worker (id, partition, capacity, lat, lon)
		SELECT 'w' || lpad(i::text, 6, '0'), 'bench', $1, 0, 0 FROM generate_series(0, $2 - 1) i`, n/benchWorkers+1, benchWorkers)
	exec(b, db, `INSERT INTO paidan.task (id, partition, lat, lon)
		SELECT 't' || lpad(i::text, 7, '0'), 'bench', 0, 0 FROM generate_series(0, $1 - 1) i`, n)
	exec(b, db, `ANALYZE`)
	batch := load(b, db, "bench")
	pairs := make([]string, n)
	for i, task := range batch.Tasks {
		pairs[i] = fmt.Sprintf("%s=w%06d", task.ID, i%benchWorkers)
	}
	return db, batch, plan(b, "", batch, pairs...)
}

// BenchmarkApply measures the whole write-back of an n-assignment plan: run
// claim, COPY into the temporary table, worker locks, the statement that
// updates the tasks (version and capacity checks, triggers, foreign keys) and
// inserts the assignments (and their checks), the run record and COMMIT.
//
// Each iteration also measures, outside the timer, the COPY floor on the
// same database: the same rows copied in (COPY FROM STDIN into an identical
// temporary table) and read back out (SELECT), and reports the mean of both
// as floor-ms/op and the write-back's multiple of it as x-floor. Between
// iterations, outside the timer, every task goes back to pending and the
// batch is reloaded.
func BenchmarkApply(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db, batch, p := seedBench(b, n)
			ctx := context.Background()
			run := 0
			var stages postgres.ApplyStats
			var floor time.Duration
			for b.Loop() {
				b.StopTimer()
				in, out := copyFloor(b, db, batch, p)
				floor += in + out
				b.StartTimer()
				run++
				id := fmt.Sprintf("bench-%d", run)
				p.RunID = id
				res, err := postgres.Apply(ctx, db, paidan.Run{ID: id}, p, batch)
				if err != nil {
					b.Fatal(err)
				}
				if res.Assigned != n {
					b.Fatalf("assigned %d of %d", res.Assigned, n)
				}
				stages.Encode += res.Stats.Encode
				stages.Write += res.Stats.Write
				b.StopTimer()
				exec(b, db, `UPDATE paidan.task SET status = 'pending' WHERE status = 'assigned'`)
				batch = load(b, db, "bench")
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(b.Elapsed().Seconds()/floor.Seconds(), "x-floor")
			for _, s := range []struct {
				unit string
				d    time.Duration
			}{
				{"floor-ms/op", floor}, {"encode-ms/op", stages.Encode}, {"write-ms/op", stages.Write},
			} {
				b.ReportMetric(float64(s.d.Milliseconds())/float64(b.N), s.unit)
			}
		})
	}
}

// copyFloor copies plan's assignments, as Apply sends them, into a
// temporary table shaped like Apply's with COPY FROM STDIN, then reads them
// back with a plain SELECT (lib/pq has no COPY TO STDOUT), all in one
// transaction that it rolls back. It returns the time of each half.
func copyFloor(b *testing.B, db *sqlx.DB, batch *paidan.Batch, p *paidan.Plan) (in, out time.Duration) {
	b.Helper()
	ctx := context.Background()
	version := make(map[paidan.TaskID]int64, len(batch.Tasks))
	for _, t := range batch.Tasks {
		version[t.ID] = t.Version
	}
	start := time.Now()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	exec(b, tx, `CREATE TEMP TABLE bench_copy (task_id text NOT NULL, worker_id text NOT NULL,
		version bigint NOT NULL, priority integer NOT NULL, distance_km double precision NOT NULL,
		cost_travel double precision NOT NULL, cost_balance double precision NOT NULL,
		cost_stability double precision NOT NULL, pinned boolean NOT NULL) ON COMMIT DROP`)
	stmt, err := tx.PrepareContext(ctx, `COPY pg_temp.bench_copy (task_id, worker_id, version, priority,
		distance_km, cost_travel, cost_balance, cost_stability, pinned) FROM STDIN`)
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range p.Assignments {
		if _, err := stmt.ExecContext(ctx, string(a.Task), string(a.Worker), version[a.Task], a.Priority,
			a.DistanceKm, a.Cost.Travel, a.Cost.Balance, a.Cost.Stability, a.Pinned); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		b.Fatal(err)
	}
	if err := stmt.Close(); err != nil {
		b.Fatal(err)
	}
	in = time.Since(start)

	start = time.Now()
	rows, err := tx.QueryContext(ctx, `SELECT task_id, worker_id, version, priority, distance_km,
		cost_travel, cost_balance, cost_stability, pinned FROM pg_temp.bench_copy`)
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for rows.Next() {
		var r struct {
			Task, Worker                string
			Version                     int64
			Priority                    int
			Distance, Travel, Bal, Stab float64
			Pinned                      bool
		}
		if err := rows.Scan(&r.Task, &r.Worker, &r.Version, &r.Priority, &r.Distance, &r.Travel,
			&r.Bal, &r.Stab, &r.Pinned); err != nil {
			b.Fatal(err)
		}
		got++
	}
	if err := rows.Err(); err != nil || got != len(p.Assignments) {
		b.Fatalf("read %d rows of %d: %v", got, len(p.Assignments), err)
	}
	return in, time.Since(start)
}
