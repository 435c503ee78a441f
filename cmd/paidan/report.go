package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/jobs"
	opsreport "github.com/paidan/paidan/report"
	"github.com/paidan/paidan/report/chromium"
	reportpg "github.com/paidan/paidan/report/postgres"
)

func newReportCmd() *cobra.Command {
	var (
		db              *string
		from, to, out   string
		period, formats string
		q               opsreport.Query
		every           time.Duration
		cronSpec        string
	)
	cmd := &cobra.Command{
		Use:   "report --from DATE --to DATE --out DIR [--partition P] [--period day|week|month] [--format html,pdf,parquet,csv]",
		Short: "Write the operations report of a date range (PostgreSQL)",
		Long: `Report writes the operations report of the runs and tasks between --from
and --to into DIR, which must not exist yet: report.html (self-contained,
inline SVG plots), report.pdf (printed from that HTML by headless Chromium),
and every table of figures as <table>.parquet and <table>.csv for BI tools.

Sections: dispatch statistics (runs by status, tasks dispatched per period,
partition and region, tasks left out by reason, objective and its parts,
travel distances, certificates), task completion (tasks created in the range
by status, waiting times, reassignments, tasks pending too long), resource
usage (worker utilization and its Gini coefficient, run and stage durations,
engine CPU and memory, database size and growth) and service levels
(scheduled against actual cycles, availability, dispatch latency against
--latency-target with every breach listed).

--from and --to are dates (2026-11-01; --to includes that whole day) or
RFC 3339 times (--to excluded), in UTC. Periods start at midnight UTC, weeks
on Monday. Give the scheduler's --every or --cron to check its cycles.
Everything in report.html but its generation time depends only on the data.
The DSN comes from --db or $` + envDatabaseURL + `; a role that may read the
paidan schema is enough.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if q.From, err = parseReportTime("--from", from, false); err != nil {
				return err
			}
			if q.To, err = parseReportTime("--to", to, true); err != nil {
				return err
			}
			if q.Period, err = opsreport.ParsePeriod(period); err != nil {
				return usageErrorf("--period: %v", err)
			}
			fs, err := opsreport.ParseFormats(formats)
			if err != nil {
				return usageErrorf("--format: %v", err)
			}
			switch {
			case out == "":
				return usageErrorf("--out is required")
			case every > 0 && cronSpec != "":
				return usageErrorf("give at most one of --every and --cron")
			case every > 0:
				q.Schedule, q.Fixed, q.ScheduleText = fixedSchedule(every), every, "every "+every.String()
			case cronSpec != "":
				s, err := cron.ParseStandard(cronSpec)
				if err != nil {
					return usageErrorf("--cron %q: %v", cronSpec, err)
				}
				q.Schedule, q.ScheduleText = s, "cron "+cronSpec
			}
			if err := q.Validate(); err != nil {
				return usageErrorf("%v", err)
			}
			ctx := cmd.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			data, err := reportpg.Load(ctx, conn, q)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			rep, err := opsreport.Build(data, q)
			if err != nil {
				return err
			}
			files, err := rep.WriteDir(ctx, out, fs, time.Now(), chromium.Print)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			return nil
		},
	}
	db = addDBFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "start of the range: a date or RFC 3339 time, UTC (required)")
	fl.StringVar(&to, "to", "", "end of the range: a date (included) or RFC 3339 time (excluded) (required)")
	fl.StringVar(&q.Partition, "partition", "", "report on this partition only (default all)")
	fl.StringVar(&period, "period", "day", "time series buckets: day, week or month")
	fl.StringVar(&out, "out", "", "directory to create (required)")
	fl.StringVar(&formats, "format", "html,parquet,csv", "comma-separated: html, pdf, parquet, csv")
	fl.DurationVar(&q.LatencyTarget, "latency-target", 15*time.Minute, "dispatch latency target (created → first assigned)")
	fl.DurationVar(&q.PendingAfter, "pending-after", time.Hour, "list tasks still pending after waiting this long")
	fl.DurationVar(&every, "every", 0, "the scheduler's fixed interval, to check its cycles")
	fl.StringVar(&cronSpec, "cron", "", "the scheduler's cron schedule, to check its cycles")
	fl.DurationVar(&q.Late, "late", time.Minute, "a cycle that starts later than this is late")
	fl.IntVar(&q.ListLimit, "list-limit", 50, "rows of each listing shown in the HTML (the files hold all)")
	return cmd
}

// fixedSchedule is a fixed interval as a report.Schedule.
type fixedSchedule time.Duration

func (f fixedSchedule) Next(t time.Time) time.Time { return t.Add(time.Duration(f)) }

// parseReportTime parses a date (YYYY-MM-DD, UTC midnight; the next
// midnight when end is true, so that --to includes its day) or an RFC 3339
// time.
func parseReportTime(flag, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, usageErrorf("%s is required", flag)
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErrorf("%s %q: want a date (2026-11-01) or an RFC 3339 time (2026-11-01T08:00:00Z)", flag, s)
	}
	return t.UTC(), nil
}

// backlogSource reads the scheduler's backlog gauges from db.
func backlogSource(db *sqlx.DB) jobs.BacklogFunc {
	return reportpg.BacklogReader{DB: db}.Read
}

// usageRecorder stores each run's usage in paidan.run_usage.
func usageRecorder(db *sqlx.DB) jobs.UsageRecorder {
	return func(ctx context.Context, runID string, u jobs.Usage) error {
		return reportpg.RecordUsage(ctx, db, runID, u.CPUSeconds, u.PeakMemoryBytes, u.Stages)
	}
}
