package postgres

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/report"
)

//go:embed *.sql
var queries embed.FS

// settingsSQL tunes the report's transaction.
const settingsSQL = "SET LOCAL jit = off; SET LOCAL work_mem = '128MB'"

// taskQueries start with the text of task_facts.sql.
var taskQueries = map[string]bool{
	report.TableTaskCompletion:  true,
	report.TableLatencyByRegion: true,
	report.TableLatencyBreaches: true,
}

func queryText(name string) (string, error) {
	b, err := queries.ReadFile(name + ".sql")
	if err != nil {
		return "", err
	}
	if !taskQueries[name] {
		return string(b), nil
	}
	head, err := queries.ReadFile("task_facts.sql")
	if err != nil {
		return "", err
	}
	return string(head) + string(b), nil
}

// Load reads every input table of q from db in one read-only snapshot. The
// error names the table whose query failed.
func Load(ctx context.Context, db *sqlx.DB, q report.Query) (*report.Data, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	defer tx.Rollback()
	// The queries aggregate whole tables: compiling them (JIT) costs more
	// than it saves, and sorts of a month's rows should not spill to disk.
	if _, err := tx.ExecContext(ctx, settingsSQL); err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	args := []any{q.From.UTC(), q.To.UTC(), q.Partition, string(q.Period),
		q.Target().Seconds(), q.Pending().Seconds()}
	data := &report.Data{Tables: map[string]*report.Table{}}
	for _, t := range report.Inputs() {
		a := args
		if t.Name == report.TableDistanceHistogram {
			maxKm, err := histogramTop(data.Tables[report.TableDistanceSummary])
			if err != nil {
				return nil, err
			}
			a = append(args[:len(args):len(args)], report.DistanceBins, maxKm)
		}
		if err := fill(ctx, tx, t, a); err != nil {
			return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
		}
		data.Tables[t.Name] = t
	}
	if data.Runs, err = runTimes(ctx, tx, args); err != nil {
		return nil, fmt.Errorf("load report run times: %w", err)
	}
	return data, nil
}

// histogramTop is the histogram's upper edge: the largest distance rounded
// up to a 1-2-5 step, 1 km when there is none.
func histogramTop(summary *report.Table) (float64, error) {
	if summary == nil || len(summary.Rows) != 1 {
		return 0, fmt.Errorf("load report: distance summary missing")
	}
	m, _ := summary.Rows[0][summary.Col("max_km")].(float64)
	return report.NiceCeil(m), nil
}

// fill runs t's query and appends its rows, checking that the query's
// columns are t's columns, in order.
func fill(ctx context.Context, tx *sqlx.Tx, t *report.Table, args []any) error {
	text, err := queryText(t.Name)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	want := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		want[i] = c.Name
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		return fmt.Errorf("query returns columns %v, want %v", names, want)
	}
	for rows.Next() {
		dest := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			switch c.Kind {
			case report.String:
				dest[i] = new(sql.NullString)
			case report.Int:
				dest[i] = new(sql.NullInt64)
			case report.Float:
				dest[i] = new(sql.NullFloat64)
			case report.Time:
				dest[i] = new(sql.NullTime)
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row := make([]any, len(dest))
		for i, d := range dest {
			switch d := d.(type) {
			case *sql.NullString:
				if d.Valid {
					row[i] = d.String
				}
			case *sql.NullInt64:
				if d.Valid {
					row[i] = d.Int64
				}
			case *sql.NullFloat64:
				if d.Valid {
					row[i] = d.Float64
				}
			case *sql.NullTime:
				if d.Valid {
					row[i] = d.Time.UTC()
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return t.Check()
}

func runTimes(ctx context.Context, tx *sqlx.Tx, args []any) ([]report.RunTime, error) {
	text, err := queryText("run_times")
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.RunTime
	for rows.Next() {
		var r report.RunTime
		if err := rows.Scan(&r.Partition, &r.Start, &r.Status); err != nil {
			return nil, err
		}
		r.Start = r.Start.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordUsage records what run runID cost the engine: CPU seconds, peak
// memory in bytes and the duration of each stage. It inserts one row into
// paidan.run_usage (the runtime role may insert, not change, rows there)
// and fails when the run is unknown or its usage is already recorded.
func RecordUsage(ctx context.Context, db sqlx.ExecerContext, runID string, cpuSeconds float64, peakMemoryBytes uint64, stages map[string]time.Duration) error {
	secs := make(map[string]float64, len(stages))
	for name, d := range stages {
		secs[name] = d.Seconds()
	}
	stagesJSON, err := json.Marshal(secs) // keys sorted
	if err != nil {
		return fmt.Errorf("record usage of run %q: %w", runID, err)
	}
	text, err := queries.ReadFile("record_usage.sql")
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, string(text), runID, cpuSeconds, int64(peakMemoryBytes), string(stagesJSON)); err != nil {
		return fmt.Errorf("record usage of run %q: %w", runID, err)
	}
	return nil
}
