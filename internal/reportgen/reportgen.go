// Package reportgen generates a month of dispatch history in a migrated
// paidan database, fast enough for the report and backup benchmarks at
// ten million assignment rows: set-based INSERT … SELECT over
// generate_series, one transaction per slice of runs, rows in the order of
// the indexes they enter (ids grow with time), and the report rollups
// filled after each slice as the scheduler fills them after each cycle.
// Nothing in the pipeline imports it.
//
// The history (Month): Runs runs over November 2026 in 4 partitions, one
// every 30 days / Runs in turn (90% applied, 8% skipped, 2% failed), 1000
// workers (250 per partition; six worker groups, every seventh worker in
// none), and Tasks tasks, each assigned by one
// applied run and reassigned (to another worker of its partition) by the
// next applied run of its partition: 2 × Tasks assignment rows. A tenth of
// the tasks were left out first by the applied run before. 90% of the
// tasks end done, 10% cancelled, but the newest 1% stay assigned to their
// second worker (its active assignment). Every applied run has its usage
// row; every run its ledger entry, written by the schema's own trigger.
//
// The data keep the dispatch invariants (export/postgres.CheckInvariants)
// and the run ledger verifies. The generator writes as the schema owner:
// it turns the user triggers of the task, worker, assignment and unassigned
// tables off while it writes (the rows are consistent by construction)
// and on again at the end; the run table's triggers (the ledger) stay on.
package reportgen

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed runs.sql
var runsSQL string

//go:embed setup.sql
var setupSQL string

//go:embed chunk.sql
var chunkSQL string

//go:embed finish.sql
var finishSQL string

// Month describes a generated month of history.
type Month struct {
	Runs  int // runs over the month; at least 100
	Tasks int // tasks; each has two assignment rows
	// Slice is the number of runs written per transaction (0: 1000).
	Slice int
	// Log, when set, receives a line per step with its duration.
	Log func(format string, args ...any)
}

// Generate writes the month into db, which must be migrated (schema with
// the report rollups, migration 00053) and hold no runs, tasks or workers
// yet. It uses one connection of db and leaves no temporary tables.
func (m Month) Generate(ctx context.Context, db *sql.DB) error {
	if m.Runs < 100 {
		return fmt.Errorf("generate month: %d runs, want at least 100", m.Runs)
	}
	if m.Tasks < 1 {
		return fmt.Errorf("generate month: %d tasks, want at least 1", m.Tasks)
	}
	slice := m.Slice
	if slice <= 0 {
		slice = 1000
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate month: %w", err)
	}
	defer conn.Close()
	var existing int64
	if err := conn.QueryRowContext(ctx,
		`SELECT (SELECT count(*) FROM paidan.run) + (SELECT count(*) FROM paidan.task) + (SELECT count(*) FROM paidan.worker)`,
	).Scan(&existing); err != nil {
		return fmt.Errorf("generate month: %w", err)
	}
	if existing > 0 {
		return fmt.Errorf("generate month: the database holds %d runs, tasks and workers already, want none", existing)
	}
	step := func(name, text string) error {
		start := time.Now()
		if _, err := conn.ExecContext(ctx, text); err != nil {
			return fmt.Errorf("generate month: %s: %w", name, err)
		}
		m.logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
		return nil
	}
	vars := func(kv ...string) *strings.Replacer { return strings.NewReplacer(kv...) }
	itoa := strconv.Itoa
	if err := step("runs", vars("{runs}", itoa(m.Runs)).Replace(runsSQL)); err != nil {
		return err
	}
	var firsts int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM gen_first`).Scan(&firsts); err != nil {
		return fmt.Errorf("generate month: %w", err)
	}
	if firsts == 0 {
		return fmt.Errorf("generate month: no applied run has a successor in its partition")
	}
	if err := step("plan", vars("{tasks}", itoa(m.Tasks), "{firsts}", itoa(firsts)).Replace(setupSQL)); err != nil {
		return err
	}
	for lo := 0; lo < m.Runs; lo += slice {
		hi := min(lo+slice, m.Runs)
		name := fmt.Sprintf("runs %d-%d", lo, hi-1)
		if err := step(name, vars("{lo}", itoa(lo), "{hi}", itoa(hi)).Replace(chunkSQL)); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // the step's error is the one to report
			return err
		}
		if err := step(name+" rollup", `SELECT paidan.report_rollup()`); err != nil {
			return err
		}
	}
	if err := step("finish", finishSQL); err != nil {
		return err
	}
	return step("analyze", `ANALYZE`)
}

func (m Month) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}
