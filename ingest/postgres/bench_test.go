package postgres_test

import (
	"context"
	"fmt"
	"testing"

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
