package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// BenchmarkTaskExplanation times a task's page and its API answer with
// the explanation from the kept run snapshot, on the pages' benchmark
// database (seedPages: 1,000 runs, 999,100 assignment rows) to which two
// partitions are added, each a generated city applied by the scheduler's
// runner with its input kept: k10k (10,000 tasks, 500 workers) and k100k
// (100,000 tasks, 5,000 workers). "cold" is the first view of a task of
// the run (the explainer's cache empty: the snapshot is read from
// paidan.run_input, unpacked, decoded and explained); "warm" is a view of
// another task of the same run after one view of the first;
// "cold-wait150ms" is the first view with the explainer's Wait as paidan
// serve sets it (the page answers with a note while the run is prepared
// in the background). It reports
// the median server time of the requests in ms-median.
//
//	go test ./console/ -run '^$' -bench BenchmarkTaskExplanation -benchtime 5x -timeout 30m
func BenchmarkTaskExplanation(b *testing.B) {
	ctx := context.Background()
	owner, conn := pgtest.NewConsole(b)
	st := &postgres.Store{DB: conn}
	seedPages(b, owner)
	tok := benchToken(b, st)
	// The explainer the console uses; "cold" replaces it before each request.
	var cur atomic.Pointer[runsnappg.Explainer]
	newExplainer := func(wait time.Duration) *runsnappg.Explainer {
		e := &runsnappg.Explainer{DB: conn, TmpDir: b.TempDir(), Wait: wait}
		cur.Store(e)
		return e
	}
	newExplainer(0)
	explain := func(ctx context.Context, id paidan.TaskID) (*console.Explained, error) {
		return postgres.Explain(cur.Load())(ctx, id)
	}
	srv, err := console.New(console.Options{Store: st, Explain: explain})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	get := func(b *testing.B, path string) int {
		req := httptest.NewRequest("GET", path, nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req)
		return w.n
	}
	for _, c := range []struct {
		part  string
		tasks int
	}{{"k10k", 10_000}, {"k100k", 100_000}} {
		start := time.Now()
		run := keptRunOf(b, owner, c.part, c.tasks, 1)
		var tasks []string
		if err := owner.SelectContext(ctx, &tasks, `SELECT task_id FROM paidan.assignment WHERE run_id = $1
			ORDER BY task_id LIMIT 2`, run); err != nil || len(tasks) != 2 {
			b.Fatalf("two tasks of run %s: %v %v", run, tasks, err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/tasks/"+tasks[0], nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), `id="explanation"`) {
			b.Fatalf("GET /tasks/%s: %d, no explanation", tasks[0], rec.Code)
		}
		b.Logf("%s: run %s applied and kept in %v", c.part, run, time.Since(start).Round(time.Second))
		for _, v := range []struct {
			name, path string
			cold       bool
			wait       time.Duration
		}{
			{"cold/tasks", "/tasks/" + tasks[0], true, 0},
			{"cold/api", "/api/v1/tasks/" + tasks[0], true, 0},
			{"cold-wait150ms/tasks", "/tasks/" + tasks[0], true, 150 * time.Millisecond},
			{"warm/tasks", "/tasks/" + tasks[1], false, 0},
			{"warm/api", "/api/v1/tasks/" + tasks[1], false, 0},
		} {
			b.Run(c.part+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				if !v.cold {
					newExplainer(0)
					get(b, "/tasks/"+tasks[0])
				}
				var (
					times []time.Duration
					bytes int
				)
				for b.Loop() {
					var e *runsnappg.Explainer
					if v.cold {
						e = newExplainer(v.wait)
					}
					t0 := time.Now()
					bytes = get(b, v.path)
					times = append(times, time.Since(t0))
					// Let a background preparation end before the next request.
					for v.wait > 0 {
						if _, err := e.ExplainTask(ctx, paidan.TaskID(tasks[0])); !errors.Is(err, runsnappg.ErrPreparing) {
							break
						}
						time.Sleep(10 * time.Millisecond)
					}
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
				b.ReportMetric(float64(bytes), "resp-bytes")
			})
		}
	}
}
