package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/internal/reportgen"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/report"
	"github.com/paidan/paidan/report/postgres"
)

// BenchmarkReportMonth reports a generated month (internal/reportgen) of
// 30,000 runs with 2 assignments per task: the whole command's work but the
// PDF (load every table, build, write the HTML, Parquet and CSV). It
// reports the Go runtime's peak memory during an operation (sampled as a
// run's Usage is, jobs.SamplePeakMemory) as peak-memory-MiB. The
// sizes are assignment rows; select one with -bench
// 'BenchmarkReportMonth/runs=30000/assignments=N$'.
//
// The generator rolls the month's runs up as it writes them, a slice of
// runs at a time, as the scheduler does after each cycle; generate-s is
// how long writing and rolling up the month took.
func BenchmarkReportMonth(b *testing.B) {
	for _, assignments := range []int{250_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("runs=30000/assignments=%d", assignments), func(b *testing.B) {
			db := pgtest.New(b)
			start := time.Now()
			if err := (reportgen.Month{Runs: 30000, Tasks: assignments / 2}).Generate(context.Background(), db.DB); err != nil {
				b.Fatal(err)
			}
			generate := time.Since(start)
			b.Logf("generated and rolled up %d assignment rows in %v", assignments, generate.Round(time.Second))
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
			b.ReportMetric(generate.Seconds(), "generate-s")
		})
	}
}

type everyMinutes int

func (e everyMinutes) Next(t time.Time) time.Time { return t.Add(time.Duration(e) * time.Minute) }
