package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/report"
	"github.com/paidan/paidan/report/postgres"
)

// BenchmarkReportMonth reports a generated month (testdata/month.sql) of
// 30,000 runs with 2 assignments per task: the whole command's work but the
// PDF (load every table, build, write the HTML, Parquet and CSV). It
// reports the Go runtime's peak memory during an operation (sampled as a
// run's Usage is, jobs.SamplePeakMemory) as peak-memory-MiB. The
// sizes are assignment rows; select one with -bench
// 'BenchmarkReportMonth/runs=30000/assignments=N$'.
//
// The month's runs are rolled up (postgres.RollUp) before the timer
// starts, as the scheduler does after each run; rollup-s is how long that
// took for the whole month at once.
func BenchmarkReportMonth(b *testing.B) {
	for _, assignments := range []int{250_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("runs=30000/assignments=%d", assignments), func(b *testing.B) {
			db := pgtest.New(b)
			text, err := os.ReadFile("testdata/month.sql")
			if err != nil {
				b.Fatal(err)
			}
			sql := strings.NewReplacer(":runs", "30000", ":tasks", strconv.Itoa(assignments/2)).Replace(string(text))
			start := time.Now()
			if _, err := db.Exec(sql); err != nil {
				b.Fatalf("generate month: %v", err)
			}
			b.Logf("generated %d assignment rows in %v", assignments, time.Since(start).Round(time.Second))
			start = time.Now()
			if ok, err := postgres.RollUp(context.Background(), db); err != nil || !ok {
				b.Fatalf("roll up the month: %v, %v", ok, err)
			}
			rollup := time.Since(start)
			b.Logf("rolled up the month in %v", rollup.Round(time.Second))
			if _, err := db.Exec(`VACUUM ANALYZE`); err != nil {
				b.Fatal(err)
			}
			q := report.Query{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				Period: report.Day, Schedule: everyMinutes(2), Fixed: 2 * time.Minute, ScheduleText: "every 2m"}
			dir := b.TempDir()
			b.ReportAllocs()
			var peak uint64
			i := 0
			for b.Loop() {
				stop := jobs.SamplePeakMemory(5 * time.Millisecond)
				data, err := postgres.Load(context.Background(), db, q)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := report.Build(data, q)
				if err != nil {
					b.Fatal(err)
				}
				i++
				if _, err := rep.WriteDir(context.Background(), fmt.Sprintf("%s/r%d", dir, i),
					[]report.Format{report.HTML, report.Parquet, report.CSV}, time.Now(), nil); err != nil {
					b.Fatal(err)
				}
				peak = max(peak, stop())
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-memory-MiB")
			b.ReportMetric(rollup.Seconds(), "rollup-s")
		})
	}
}

type everyMinutes int

func (e everyMinutes) Next(t time.Time) time.Time { return t.Add(time.Duration(e) * time.Minute) }
