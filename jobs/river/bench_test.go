package river_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
)

// benchSize reads a positive integer from the environment, or def.
func benchSize(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// BenchmarkDispatch plans and delivers PAIDAN_BENCH_PARTS partitions of
// PAIDAN_BENCH_TASKS tasks each (default 8 × 200), one subscriber
// receiving every run: mode=schedule is one Runner over every partition in
// turn (paidan schedule --push), mode=workers=N is N River clients, each
// planning one partition at a time (paidan worker --queues plan,deliver
// --planners 1 on N machines). It reports tasks assigned per second
// (from the first plan to the last delivery) and the delay from a run's
// commit to its webhook's arrival (p50, p99). Fixtures are seeded outside
// the timer.
func BenchmarkDispatch(b *testing.B) {
	parts, tasks := benchSize(b, "PAIDAN_BENCH_PARTS", 8), benchSize(b, "PAIDAN_BENCH_TASKS", 200)
	for _, mode := range []string{"schedule", "workers=1", "workers=2", "workers=4"} {
		b.Run(fmt.Sprintf("%s/parts=%d/tasks=%d", mode, parts, tasks), func(b *testing.B) {
			var tput, p50, p99 []float64
			for b.Loop() {
				b.StopTimer()
				owner, runtime := pgtest.NewRuntime(b)
				for i := range parts {
					seed(b, owner, fmt.Sprintf("p%03d", i), tasks, uint64(4+10*i))
				}
				rcv := newReceiver(b, secret)
				s := addSubscriber(b, owner, "app", rcv.srv.URL, "assigned,reassigned,unassigned", false, secret)
				b.StartTimer()
				start := time.Now()
				stop := dispatch(b, mode, runtime, parts)
				var runs []string
				if err := owner.Select(&runs, `SELECT id FROM paidan.run WHERE status = 'applied'`); err != nil {
					b.Fatal(err)
				}
				keys := make([]string, len(runs))
				for i, r := range runs {
					keys[i] = fmt.Sprintf("%s/%d", r, s.ID)
				}
				rcv.waitKeys(b, keys, 10*time.Minute)
				elapsed := time.Since(start)
				b.StopTimer()
				stop()
				assigned := count(b, owner, `SELECT count(*) FROM paidan.assignment`)
				tput = append(tput, float64(assigned)/elapsed.Seconds())
				var lat []float64
				if err := owner.Select(&lat, `SELECT extract(epoch FROM j.finalized_at - r.finished_at) * 1000
					FROM paidan_river.river_job j JOIN paidan.run r ON r.id = j.args->>'run_id'
					WHERE j.kind = 'paidan_deliver' AND j.state = 'completed'`); err != nil {
					b.Fatal(err)
				}
				slices.Sort(lat)
				p50 = append(p50, lat[len(lat)/2])
				p99 = append(p99, lat[min(len(lat)-1, len(lat)*99/100)])
				b.StartTimer()
			}
			b.ReportMetric(median(tput), "tasks/s")
			b.ReportMetric(median(p50), "deliver-p50-ms")
			b.ReportMetric(median(p99), "deliver-p99-ms")
		})
	}
}

// dispatch plans every partition in mode and returns once each has an
// applied run; the returned func stops what it started.
func dispatch(b *testing.B, mode string, db *sqlx.DB, parts int) func() {
	b.Helper()
	ctx := context.Background()
	applied := func() bool {
		return count(b, db, `SELECT count(DISTINCT partition) FROM paidan.run WHERE status = 'applied'`) == parts
	}
	newRunner := func() (*jobs.Runner, *jobspg.Writer) {
		locker := &jobspg.Locker{DB: db}
		w := &jobspg.Writer{DB: db, Locker: locker}
		return &jobs.Runner{Source: &jobspg.Source{DB: db}, Writer: w, Locker: locker, Rules: paidan.DefaultRules()}, w
	}
	var clients []*jobsriver.Client
	stop := func() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for _, c := range clients {
			c.Stop(sctx)
		}
	}
	if mode == "schedule" {
		r, w := newRunner()
		o := fastOptions(db)
		c, err := jobsriver.New(o)
		if err != nil {
			b.Fatal(err)
		}
		w.Publisher = &jobsriver.Publisher{Client: c}
		if err := c.Start(ctx); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		if _, err := r.RunAll(ctx); err != nil {
			b.Fatal(err)
		}
		return stop
	}
	n, err := strconv.Atoi(mode[len("workers="):])
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		r, w := newRunner()
		o := fastOptions(db)
		o.Plan, o.Runner, o.Every = 1, r, time.Minute
		c, err := jobsriver.New(o)
		if err != nil {
			b.Fatal(err)
		}
		w.Publisher = &jobsriver.Publisher{Client: c}
		if err := c.Start(ctx); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for !applied() {
		if time.Now().After(deadline) {
			b.Fatal("partitions not applied after 10 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stop
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
