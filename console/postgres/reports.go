package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/report"
	reportpg "github.com/paidan/paidan/report/postgres"
)

// reportRunRow is a paidan.report_run row.
type reportRunRow struct {
	ID         int64      `db:"id"`
	Period     string     `db:"period"`
	From       time.Time  `db:"range_from"`
	To         time.Time  `db:"range_to"`
	Status     string     `db:"status"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	Files      *int       `db:"files"`
	Error      string     `db:"error"`
	Dir        string     `db:"dir"`
}

func (r reportRunRow) run() console.ReportRun {
	return console.ReportRun{ID: r.ID, Period: r.Period, From: r.From.UTC(), To: r.To.UTC(), Status: r.Status,
		StartedAt: r.StartedAt.UTC(), FinishedAt: r.FinishedAt, Files: r.Files, Error: r.Error, Dir: r.Dir}
}

// ReportRuns returns the latest limit scheduled reports, newest first.
func (s *Store) ReportRuns(ctx context.Context, limit int) ([]console.ReportRun, error) {
	var rows []reportRunRow
	if err := sqlx.SelectContext(ctx, s.DB, &rows, query("report_runs"), limit); err != nil {
		return nil, fmt.Errorf("list report runs: %w", err)
	}
	out := make([]console.ReportRun, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}

// ReportRun returns scheduled report id.
func (s *Store) ReportRun(ctx context.Context, id int64) (console.ReportRun, error) {
	var row reportRunRow
	err := sqlx.GetContext(ctx, s.DB, &row, query("report_run_get"), id)
	if errors.Is(err, sql.ErrNoRows) {
		return console.ReportRun{}, fmt.Errorf("%w: report %d", console.ErrNotFound, id)
	}
	if err != nil {
		return console.ReportRun{}, fmt.Errorf("read report run %d: %w", id, err)
	}
	return row.run(), nil
}

// RenderReport loads the report of req with report/postgres (the same
// queries as paidan report), builds it and writes its HTML to w.
func (s *Store) RenderReport(ctx context.Context, req console.ReportRequest, w io.Writer, generated time.Time) error {
	period, err := report.ParsePeriod(req.Period)
	if err != nil {
		return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
	}
	q := report.Query{From: req.From.UTC(), To: req.To.UTC(), Partition: req.Partition, Period: period}
	if err := q.Validate(); err != nil {
		return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
	}
	data, err := reportpg.Load(ctx, s.DB, q)
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	rep, err := report.Build(data, q)
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if err := rep.WriteHTML(w, generated); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}
