package postgres

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/report"
)

//go:embed *.sql
var queries embed.FS

// settingsSQL tunes the report's transaction.
const settingsSQL = "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'"

// taskQueries start with the text of task_facts.sql (over the rollups,
// tasks.go computes their tables instead).
var taskQueries = map[string]bool{
	"task_stats":                true,
	report.TableLatencyBreaches: true,
	report.TableWorkerGroups:    true,
}

// rollupQueries have a variant over the rollups of migration 00053,
// <name>_rollup.sql.
var rollupQueries = map[string]bool{
	report.TableDispatched:  true,
	report.TableAppliedRuns: true,
}

// queryText returns the text of query name, over the rollups or over the
// assignment rows.
func queryText(name string, rollups bool) (string, error) {
	file := name
	if rollups && rollupQueries[name] {
		file += "_rollup"
	}
	b, err := queries.ReadFile(file + ".sql")
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
//
// When the schema has the report rollups (migration 00053) and the role
// may fill them, Load first rolls up every applied run not yet rolled up
// (paidan.report_rollup(), in a transaction of its own) and then reads the
// assignment figures from the rollups: a report of a month reads a row per
// run and region instead of every assignment row. Otherwise it reads the
// assignment rows; both give the same figures.
func Load(ctx context.Context, db *sqlx.DB, q report.Query) (*report.Data, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		rollups, err := RollUp(ctx, db)
		if err != nil {
			return nil, err
		}
		data, err := load(ctx, db, q, rollups)
		// A run applied between the rollup and the snapshot: roll up again.
		if errors.Is(err, errRollupBehind) && attempt < 3 {
			continue
		}
		return data, err
	}
}

// LoadAssignments is Load without the rollups: every figure is read from
// the assignment rows, as on a schema before migration 00053. It rolls
// nothing up. Load and LoadAssignments give the same figures.
func LoadAssignments(ctx context.Context, db *sqlx.DB, q report.Query) (*report.Data, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return load(ctx, db, q, false)
}

// errRollupBehind: the report's snapshot holds an applied run that the
// rollups do not.
var errRollupBehind = errors.New("load report: applied runs not rolled up")

// RollUp rolls up every applied run not yet rolled up (see migration
// 00053), in a transaction of its own, and reports whether the rollups can
// be read: false when the schema predates them or the role may not fill
// them (the report then reads the assignment rows). The scheduler calls it
// after each cycle, so that a report finds little left to roll up; it is
// idempotent and safe to call concurrently.
func RollUp(ctx context.Context, db sqlx.QueryerContext) (bool, error) {
	var present bool
	if err := sqlx.GetContext(ctx, db, &present, mustQuery("rollup_present")); err != nil {
		return false, fmt.Errorf("roll up runs: %w", err)
	}
	if !present {
		return false, nil
	}
	var n int
	err := sqlx.GetContext(ctx, db, &n, mustQuery("rollup"))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42501" { // insufficient_privilege
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("roll up runs: %w", err)
	}
	return true, nil
}

// mustQuery returns the text of an embedded query file that has no
// variants; a missing file is a build error the tests catch.
func mustQuery(name string) string {
	b, err := queries.ReadFile(name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("report/postgres: query %s: %v", name, err))
	}
	return string(b)
}

func load(ctx context.Context, db *sqlx.DB, q report.Query, rollups bool) (*report.Data, error) {
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
	if rollups {
		var missing int
		if err := tx.GetContext(ctx, &missing, mustQuery("rollup_missing")); err != nil {
			return nil, fmt.Errorf("load report: %w", err)
		}
		if missing > 0 {
			return nil, errRollupBehind
		}
	}
	args := []any{q.From.UTC(), q.To.UTC(), q.Partition, string(q.Period),
		q.Target().Seconds(), q.Pending().Seconds()}
	data := &report.Data{Tables: map[string]*report.Table{}}
	for _, t := range report.Inputs() {
		switch t.Name {
		case report.TableTaskCompletion:
			if rollups {
				if err := taskTables(ctx, tx, args, q, data); err != nil {
					return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
				}
				continue
			}
			if err := taskStats(ctx, tx, args, t, data); err != nil {
				return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
			}
			continue
		case report.TableLatencyByRegion:
			continue // filled with task_completion
		case report.TableLatencyBreaches, report.TableWorkerGroups:
			if rollups {
				continue // filled with task_completion
			}
		case report.TableDistanceSummary:
			if rollups {
				if err := distanceTables(ctx, tx, args, data); err != nil {
					return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
				}
				continue
			}
		case report.TableDistanceHistogram:
			if rollups {
				continue // filled with distance_summary
			}
		}
		a := args
		switch t.Name {
		case report.TableDistanceHistogram:
			maxKm, err := histogramTop(data.Tables[report.TableDistanceSummary])
			if err != nil {
				return nil, err
			}
			a = append(args[:len(args):len(args)], report.DistanceBins, maxKm)
		case report.TableDispatched:
			if rollups {
				if err := dispatched(ctx, tx, t, args, q); err != nil {
					return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
				}
				data.Tables[t.Name] = t
				continue
			}
		}
		if err := fill(ctx, tx, t, a, rollups); err != nil {
			return nil, fmt.Errorf("load report table %s: %w", t.Name, err)
		}
		data.Tables[t.Name] = t
	}
	if data.Runs, err = runTimes(ctx, tx, args); err != nil {
		return nil, fmt.Errorf("load report run times: %w", err)
	}
	return data, nil
}

// dispatched fills the dispatched table over the rollups: a period the
// range's start cuts from the assignment rows (dispatched.sql up to the
// next period start), the whole periods after it from the rollups.
func dispatched(ctx context.Context, tx *sqlx.Tx, t *report.Table, args []any, q report.Query) error {
	aligned := alignedStart(q)
	if aligned.After(q.From) {
		cut := slices.Clone(args)
		cut[1] = minTime(aligned, q.To.UTC())
		if err := fill(ctx, tx, t, cut, false); err != nil {
			return err
		}
	}
	if !aligned.Before(q.To) {
		return nil
	}
	return fill(ctx, tx, t, append(slices.Clone(args), aligned), true)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// alignedStart is the first period start at or after q.From.
func alignedStart(q report.Query) time.Time {
	from := q.From.UTC()
	start := report.PeriodStart(from, q.Period)
	if start.Equal(from) {
		return from
	}
	switch q.Period {
	case report.Week:
		return start.AddDate(0, 0, 7)
	case report.Month:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
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
func fill(ctx context.Context, tx *sqlx.Tx, t *report.Table, args []any, rollups bool) error {
	text, err := queryText(t.Name, rollups)
	if err != nil {
		return err
	}
	return fillText(ctx, tx, t, text, args, true)
}

// fillText runs query text and appends its rows to t. With ordered, the
// query's columns must be t's, in order; without, the same set in any
// order, reordered to t's.
func fillText(ctx context.Context, tx *sqlx.Tx, t *report.Table, text string, args []any, ordered bool) error {
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
	// pos[i] is the table column of the query's column i.
	pos := make([]int, len(names))
	for i, n := range names {
		pos[i] = slices.Index(want, n)
	}
	got, sorted := slices.Clone(names), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(sorted)
	if ordered && strings.Join(names, ",") != strings.Join(want, ",") || !slices.Equal(got, sorted) {
		return fmt.Errorf("query returns columns %v, want %v", names, want)
	}
	for rows.Next() {
		dest := make([]any, len(t.Columns))
		for i := range names {
			c := t.Columns[pos[i]]
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
			i := pos[i]
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

// taskStatsColumns are the columns of task_stats.sql: its level, then
// the columns of task_completion and latency_by_region.
func taskStatsColumns() []report.Column {
	cols := []report.Column{{Name: "level", Kind: report.Int}}
	seen := map[string]bool{"level": true}
	for _, t := range report.Inputs() {
		if t.Name != report.TableTaskCompletion && t.Name != report.TableLatencyByRegion {
			continue
		}
		for _, c := range t.Columns {
			if !seen[c.Name] {
				seen[c.Name] = true
				cols = append(cols, c)
			}
		}
	}
	return cols
}

// taskStats runs task_stats.sql, one pass over the facts of the tasks
// created in the range, and splits its rows: level 0 (per period and
// region) into completion, levels 1 (per region) and 3 (all regions, as
// "(all)") into the latency_by_region table, which it adds to data.
func taskStats(ctx context.Context, tx *sqlx.Tx, args []any, completion *report.Table, data *report.Data) error {
	var byRegion *report.Table
	for _, t := range report.Inputs() {
		if t.Name == report.TableLatencyByRegion {
			byRegion = t
		}
	}
	stats := &report.Table{Name: "task_stats", Columns: taskStatsColumns()}
	text, err := queryText("task_stats", false)
	if err != nil {
		return err
	}
	// The query's columns come in its own order; map them by name.
	if err := fillText(ctx, tx, stats, text, args, false); err != nil {
		return err
	}
	project := func(row []any, into *report.Table) []any {
		out := make([]any, len(into.Columns))
		for i, c := range into.Columns {
			out[i] = row[stats.Col(c.Name)]
		}
		return out
	}
	for _, row := range stats.Rows {
		switch row[0].(int64) {
		case 0:
			completion.Rows = append(completion.Rows, project(row, completion))
		case 1, 3:
			r := project(row, byRegion)
			if row[0].(int64) == 3 {
				r[byRegion.Col("region")] = "(all)"
			}
			byRegion.Rows = append(byRegion.Rows, r)
		}
	}
	if err := completion.Check(); err != nil {
		return err
	}
	if err := byRegion.Check(); err != nil {
		return err
	}
	data.Tables[completion.Name] = completion
	data.Tables[byRegion.Name] = byRegion
	return nil
}

func runTimes(ctx context.Context, tx *sqlx.Tx, args []any) ([]report.RunTime, error) {
	text, err := queryText("run_times", false)
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
