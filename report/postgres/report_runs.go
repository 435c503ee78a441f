package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/report"
)

// ErrReported is returned by StartReportRun when the period's report was
// written already.
var ErrReported = errors.New("report: period reported already")

// StartReportRun records in paidan.report_run that a scheduled report of q
// (its period over [q.From, q.To)) into dir starts, and returns the row's
// id; ErrReported when a finished report of the same period and start
// exists. The runtime role may call it.
func StartReportRun(ctx context.Context, db sqlx.QueryerContext, q report.Query, dir string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, db, &id, mustQuery("report_run_start"), string(q.Period), q.From.UTC(), q.To.UTC(), dir)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrReported
	}
	if err != nil {
		return 0, fmt.Errorf("record report run of %s %s: %w", q.Period, q.From.Format(time.DateOnly), err)
	}
	return id, nil
}

// FinishReportRun finishes report run id: done with the number of files
// written when failure is nil, else failed with failure's text. A second
// done row for the same period is refused by the database (the run then
// stays running and the error says so).
func FinishReportRun(ctx context.Context, db sqlx.ExecerContext, id int64, files int, failure error) error {
	var msg *string
	if failure != nil {
		s := failure.Error()
		if len(s) > 4000 {
			s = strings.ToValidUTF8(s[:4000], "")
		}
		msg = &s
	}
	if _, err := db.ExecContext(ctx, mustQuery("report_run_finish"), id, files, msg); err != nil {
		return fmt.Errorf("finish report run %d: %w", id, err)
	}
	return nil
}
