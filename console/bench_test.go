package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the server, not a buffer of the response.
type discard struct {
	h http.Header
	n int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discard) WriteHeader(code int) {
	if code != http.StatusOK {
		panic(fmt.Sprintf("status %d", code))
	}
}

// BenchmarkPages times every console page and API list on a database of
// 1,000 runs and 999,100 assignment rows (100,000 tasks, each assigned by
// about ten runs; run big-0000 assigned all 100,000), 100,000 tasks left
// out and 1,000 workers: the server time of one request each, token
// lookup included, as the console's role.
//
//	go test ./console/ -run '^$' -bench BenchmarkPages -benchtime 20x
func BenchmarkPages(b *testing.B) {
	owner, conn := pgtest.NewConsole(b)
	st := &postgres.Store{DB: conn}
	seedPages(b, owner)
	tok := benchToken(b, st)
	srv, err := console.New(console.Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for _, path := range []string{
		"/runs",
		"/runs?partition=big&status=applied&page=10",
		"/runs/big-0500",
		"/runs/big-0000?after=t050000",
		"/runs/big-0000?q=w0042",
		"/tasks/t050000",
		"/workers?partition=big",
		"/partitions",
		"/audit",
		"/api/v1/runs",
		"/api/v1/runs/big-0000/assignments?after=t090000",
		"/api/v1/runs/big-0000/left-out",
		"/api/v1/tasks/t050000",
		"/api/v1/runs/big-0000/assignments.csv",
	} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			var bytes int
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := &discard{h: http.Header{}}
				h.ServeHTTP(w, req)
				bytes = w.n
			}
			b.ReportMetric(float64(bytes), "resp-bytes")
		})
	}
}

// seedPages seeds the pages' benchmark database: partition big with 1,000
// runs, 999,100 assignment rows, 100,000 tasks left out and 1,000 workers.
func seedPages(b *testing.B, owner *sqlx.DB) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO paidan.worker (id, partition, regions, capacity, lat, lon)
		 SELECT format('w%s', lpad(i::text, 4, '0')), 'big', ARRAY['r' || (i % 5)], 1000, 52.5, 13.4 FROM generate_series(0, 999) i`,
		`INSERT INTO paidan.task (id, partition, region, lat, lon, created_at)
		 SELECT format('t%s', lpad(i::text, 6, '0')), 'big', 'r' || (i % 5), 52.5, 13.4, now() - interval '1 hour'
		 FROM generate_series(0, 99999) i`,
		`INSERT INTO paidan.run (id, partition, started_at, finished_at, status, certificate, assigned, objective, kpis)
		 SELECT format('big-%s', lpad(i::text, 4, '0')), 'big', now() - (1000 - i) * interval '5 minutes',
		        now() - (1000 - i) * interval '5 minutes' + interval '3 seconds', 'applied', 'verified',
		        CASE WHEN i = 0 THEN 100000 ELSE 900 END, 1000.5,
		        '{"overall": {"tasks": 1000, "assigned": 900, "unassigned": 100, "unassigned_by_reason": {"no_capacity": 100}},
		          "by_region": [{"region": "r0", "tasks": 200, "assigned": 180, "unassigned": 20}]}'
		 FROM generate_series(0, 999) i`,
		`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active)
		 SELECT 'big-0000', format('t%s', lpad(t::text, 6, '0')), format('w%s', lpad((t % 1000)::text, 4, '0')), 1, 1, 0, 0, false
		 FROM generate_series(0, 99999) t`,
		`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability, active)
		 SELECT format('big-%s', lpad(r::text, 4, '0')), format('t%s', lpad(((r * 100 + k) % 100000)::text, 6, '0')),
		        format('w%s', lpad((k % 1000)::text, 4, '0')), 1, 1, 0, 0, false
		 FROM generate_series(1, 999) r, generate_series(0, 899) k`,
		`INSERT INTO paidan.unassigned (run_id, task_id, reason, detail)
		 SELECT format('big-%s', lpad(r::text, 4, '0')), format('t%s', lpad(((r * 100 + 900 + k) % 100000)::text, 6, '0')),
		        'no_capacity', 'every worker who could take it is full'
		 FROM generate_series(0, 999) r, generate_series(0, 99) k`,
		`ANALYZE`,
	} {
		if _, err := owner.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	var rows int
	if err := owner.GetContext(ctx, &rows, `SELECT count(*) FROM paidan.assignment`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d assignment rows in %v", rows, time.Since(start).Round(time.Second))
}

// benchToken creates the admin ada and returns an API token of hers.
func benchToken(b *testing.B, st *postgres.Store) string {
	b.Helper()
	ctx := context.Background()
	if _, err := console.CreateAccount(ctx, st, console.Actor{Name: "shell:bench"}, console.NewAccount{Login: "ada",
		Role: console.RoleAdmin, Password: "correct horse battery staple"}, console.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}); err != nil {
		b.Fatal(err)
	}
	tok, _, err := console.IssueToken(ctx, st, console.Actor{Name: "shell:bench"},
		console.NewTokenSpec{Account: "ada", Name: "bench", Role: console.RoleAdmin, TTL: time.Hour}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return tok
}
