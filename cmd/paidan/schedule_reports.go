package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/jobs"
	opsreport "github.com/paidan/paidan/report"
	reportpg "github.com/paidan/paidan/report/postgres"
)

// reportFlags are the scheduler's --report-every and --report-dir.
type reportFlags struct {
	every, dir, db string
}

func (r *reportFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&r.every, "report-every", "", "after each finished day or week (day|week, UTC), write its operations report into --report-dir")
	fl.StringVar(&r.dir, "report-dir", "", "directory of the scheduled reports: one subdirectory per period, <period>-<start date>")
	fl.StringVar(&r.db, "report-db", "", "DSN the scheduled reports read with (a paidan_reader login: the runtime role may not read every table a report does); default the scheduler's")
}

// period returns the report period asked for, "" for none.
func (r *reportFlags) period() (opsreport.Period, error) {
	switch {
	case r.every == "" && r.dir == "":
		return "", nil
	case r.every == "" || r.dir == "":
		return "", usageErrorf("give --report-every and --report-dir together")
	case r.every != string(opsreport.Day) && r.every != string(opsreport.Week):
		return "", usageErrorf("--report-every %q: want day or week", r.every)
	}
	return opsreport.Period(r.every), nil
}

// lastFinished is the last whole period that ended at or before now, UTC:
// yesterday, or last week (Monday to Monday).
func lastFinished(p opsreport.Period, now time.Time) (from, to time.Time) {
	to = opsreport.PeriodStart(now, p)
	if p == opsreport.Week {
		return to.AddDate(0, 0, -7), to
	}
	return to.AddDate(0, 0, -1), to
}

// scheduledReports returns the scheduler's background reports: after each
// cycle, when the last finished period has no report yet, it writes that
// period's report (HTML, Parquet, CSV) into dir/<period>-<start date>,
// reading with read, and records it in paidan.report_run with db, beside
// the next cycle (a report still being written is not started again).
// base holds the schedule's figures (Schedule, Fixed, ScheduleText) for
// the service-level section.
func scheduledReports(db, read *sqlx.DB, log *slog.Logger, p opsreport.Period, dir string, base opsreport.Query) *jobs.Background {
	return &jobs.Background{Name: "report", Logger: log, Work: func(ctx context.Context) error {
		q := base
		q.Period = p
		q.From, q.To = lastFinished(p, time.Now())
		out := filepath.Join(dir, fmt.Sprintf("%s-%s", p, q.From.Format(time.DateOnly)))
		id, err := reportpg.StartReportRun(ctx, db, q, out)
		if errors.Is(err, reportpg.ErrReported) {
			return nil
		}
		if err != nil {
			return err
		}
		files, err := writeReport(ctx, read, q, out)
		if ferr := reportpg.FinishReportRun(context.WithoutCancel(ctx), db, id, files, err); ferr != nil {
			return errors.Join(err, ferr)
		}
		if err == nil {
			log.Info("report written", "stage", "report", "period", string(p), "from", q.From, "dir", out, "files", files)
		}
		return err
	}}
}

// writeReport writes q's report into out: HTML, Parquet and CSV.
func writeReport(ctx context.Context, db *sqlx.DB, q opsreport.Query, out string) (int, error) {
	data, err := reportpg.Load(ctx, db, q)
	if err != nil {
		return 0, err
	}
	rep, err := opsreport.Build(data, q)
	if err != nil {
		return 0, err
	}
	files, err := rep.WriteDir(ctx, out, []opsreport.Format{opsreport.HTML, opsreport.Parquet, opsreport.CSV}, time.Now(), nil)
	return len(files), err
}
