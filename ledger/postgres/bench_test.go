package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/ledger/postgres"
)

// BenchmarkVerify times Verify over a ledger of runs applied with 5
// assignment rows and 2 unassigned rows each (the README's figure is
// runs=100000: 500k assignment rows). The runs finish in one transaction,
// so the setup also exercises 100k appends at one COMMIT.
func BenchmarkVerify(b *testing.B) {
	for _, runs := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("runs=%d", runs), func(b *testing.B) {
			db := pgtest.New(b)
			for _, q := range []string{
				`INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w1', 'p', 0, 0, 0)`,
				`INSERT INTO paidan.task (id, partition, lat, lon) SELECT 't' || i, 'p', 0, 0 FROM generate_series(1, $1 * 5) i`,
				`INSERT INTO paidan.run (id, partition) SELECT 'run-' || i, 'p' FROM generate_series(1, $1) i`,
				`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
				 SELECT 'run-' || (i % $1 + 1), 't' || i, 'w1', i * 0.001, i * 0.1, 0, 0 FROM generate_series(1, $1 * 5) i`,
				`INSERT INTO paidan.unassigned (run_id, task_id, reason) SELECT 'run-' || (i % $1 + 1), 'u' || i, 'no_skill' FROM generate_series(1, $1 * 2) i`,
				`UPDATE paidan.run SET status = 'applied', certificate = 'verified', finished_at = now(), assigned = 5, objective = 1.5`,
			} {
				var args []any
				if strings.Contains(q, "$1") {
					args = append(args, runs)
				}
				if _, err := db.Exec(q, args...); err != nil {
					b.Fatalf("%s: %v", q, err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				r, err := postgres.Verify(context.Background(), db, postgres.VerifyOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if !r.OK() || r.Entries != int64(runs) {
					b.Fatalf("entries %d, findings %v", r.Entries, r.Findings)
				}
			}
		})
	}
}

// BenchmarkAppend times what the ledger adds to a write-back: the COMMIT of
// a run's UPDATE to applied, whose deferred trigger digests the run's
// assignment rows and appends the entry. Each iteration's run and rows are
// written with the timer stopped.
func BenchmarkAppend(b *testing.B) {
	for _, rows := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("assignments=%d", rows), func(b *testing.B) {
			db := pgtest.New(b)
			for _, q := range []string{
				`INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w1', 'p', 0, 0, 0)`,
				fmt.Sprintf(`INSERT INTO paidan.task (id, partition, lat, lon) SELECT 't' || i, 'p', 0, 0 FROM generate_series(1, %d) i`, rows),
			} {
				if _, err := db.Exec(q); err != nil {
					b.Fatalf("%s: %v", q, err)
				}
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				run := fmt.Sprintf("run-%d", i)
				for _, q := range []string{
					`INSERT INTO paidan.run (id, partition) VALUES ($1, 'p')`,
					// Inactive: every iteration's run assigns the same tasks.
					fmt.Sprintf(`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active)
						SELECT $1, 't' || i, 'w1', i * 0.001, i * 0.1, 0, 0, false FROM generate_series(1, %d) i`, rows),
				} {
					if _, err := db.Exec(q, run); err != nil {
						b.Fatalf("%s: %v", q, err)
					}
				}
				b.StartTimer()
				if _, err := db.Exec(`UPDATE paidan.run SET status = 'applied', certificate = 'verified', finished_at = now(), assigned = $2 WHERE id = $1`, run, rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
