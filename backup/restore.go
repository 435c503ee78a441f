package backup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
)

// ErrTargetNotEmpty means a restore target already holds paidan's schema.
var ErrTargetNotEmpty = errors.New("backup: restore target is not empty")

// ErrMismatch means a restored database differs from its backup.
var ErrMismatch = errors.New("backup: restored database differs from the backup")

// Check is a check of a restored database beyond row counts and schema
// version, such as the dispatch invariants or the run ledger. Run returns
// nil when the database passes; its error says what differs. Checks run
// concurrently with each other and with the row counts: Run must be safe
// for that (a read-only check on db's pool is).
type Check struct {
	Name string
	Run  func(ctx context.Context, db *sqlx.DB) error
}

// RestoreOptions tunes Restore. The zero value restores into an empty
// database and runs no extra checks.
type RestoreOptions struct {
	Options
	// Replace drops the target's schemas paidan and paidan_river and version table before
	// restoring; false refuses a target that has either.
	Replace bool
	// NoOwner restores every object as owned by the restoring role
	// (pg_restore --no-owner), for a cluster without the original owner.
	NoOwner bool
	// Checks run after the restore, in order, each reported.
	Checks []Check
}

// Outcome is one check of a restore and what it found.
type Outcome struct {
	Check   string // "rows paidan.task", "schema version", or a Check's Name
	Problem string // "" when it passed
}

// RestoreReport says what a restore checked and what differs.
type RestoreReport struct {
	Manifest *Manifest
	Outcomes []Outcome
}

// Problems returns the outcomes that failed.
func (r *RestoreReport) Problems() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if o.Problem != "" {
			out = append(out, o)
		}
	}
	return out
}

// Restore verifies the backup in dir against its manifest (refusing a
// corrupt one before touching the target), refuses a target that already
// holds paidan's schema unless opts.Replace, runs pg_restore of both dumps
// (each in one transaction), gathers planner statistics (ANALYZE), and
// then checks the restored database: the row count of every table and the
// schema version against the manifest, and opts.Checks, all at once. It
// returns the report and, when anything differs, an error wrapping
// ErrMismatch that lists it. db and conn must reach the target database. The role list (roles.sql) is not applied: roles belong
// to the cluster; see the README.
func Restore(ctx context.Context, db *sqlx.DB, conn Conn, dir string, opts RestoreOptions) (*RestoreReport, error) {
	r, err := restore(ctx, db, conn, dir, opts)
	if err != nil {
		return r, fmt.Errorf("restore from %s: %w", dir, err)
	}
	return r, nil
}

func restore(ctx context.Context, db *sqlx.DB, conn Conn, dir string, opts RestoreOptions) (*RestoreReport, error) {
	m, err := Verify(dir)
	if err != nil {
		return nil, err
	}
	var state struct {
		Schema       int `db:"schema"`
		Objects      int `db:"objects"`
		VersionTable int `db:"version_table"`
	}
	if err := db.GetContext(ctx, &state, targetStateSQL); err != nil {
		return nil, fmt.Errorf("inspect target: %w", err)
	}
	if state.Schema > 0 || state.VersionTable > 0 {
		if !opts.Replace {
			return nil, fmt.Errorf("%w: it has %s; restore into an empty database, or pass --replace to drop them first",
				ErrTargetNotEmpty, describeTarget(state.Schema, state.Objects, state.VersionTable))
		}
		if err := dropTarget(ctx, db); err != nil {
			return nil, err
		}
	}
	for _, file := range []string{SchemaDumpFile, VersionDumpFile} {
		args := []string{"--exit-on-error", "--single-transaction", "--no-password"}
		if opts.NoOwner {
			args = append(args, "--no-owner")
		}
		args = append(args, "--dbname="+conn.ConnString, filepath.Join(dir, file))
		if err := opts.Tools.run(ctx, conn, "pg_restore", args...); err != nil {
			return nil, err
		}
	}
	report := &RestoreReport{Manifest: m}
	// pg_restore leaves the tables without planner statistics; the checks'
	// joins, and the schedulers' first queries, need them.
	if err := analyze(ctx, db); err != nil {
		return report, err
	}
	// The extra checks read the same tables as the counts: they run at the
	// same time, on connections of their own, and report in order.
	checked := make([]Outcome, len(opts.Checks))
	var wg sync.WaitGroup
	for i, c := range opts.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checked[i] = Outcome{Check: c.Name}
			if err := c.Run(ctx, db); err != nil {
				checked[i].Problem = err.Error()
			}
		}()
	}
	counts, version, head, err := readState(ctx, db)
	wg.Wait()
	if err != nil {
		return report, fmt.Errorf("read restored database: %w", err)
	}
	report.Outcomes = append(report.Outcomes, compareCounts(m.Tables, counts)...)
	o := Outcome{Check: "schema version"}
	if version != m.SchemaVersion {
		o.Problem = fmt.Sprintf("%d restored, %d in the backup", version, m.SchemaVersion)
	}
	report.Outcomes = append(report.Outcomes, o)
	if m.LedgerHead != nil {
		o := Outcome{Check: "ledger head"}
		switch {
		case head == nil:
			o.Problem = fmt.Sprintf("no ledger restored; the backup recorded entry %d", m.LedgerHead.Seq)
		case *head != *m.LedgerHead:
			o.Problem = fmt.Sprintf("entry %d (hash %s) restored, the backup recorded entry %d (hash %s)",
				head.Seq, head.Hash, m.LedgerHead.Seq, m.LedgerHead.Hash)
		}
		report.Outcomes = append(report.Outcomes, o)
	}
	report.Outcomes = append(report.Outcomes, checked...)
	if p := report.Problems(); len(p) > 0 {
		lines := make([]string, len(p))
		for i, o := range p {
			lines[i] = o.Check + ": " + o.Problem
		}
		return report, fmt.Errorf("%w:\n  %s", ErrMismatch, strings.Join(lines, "\n  "))
	}
	return report, nil
}

// compareCounts returns one outcome per table of either side, in name
// order.
func compareCounts(backup, restored map[string]int64) []Outcome {
	var names []string
	for n := range backup {
		names = append(names, n)
	}
	for n := range restored {
		if _, ok := backup[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]Outcome, 0, len(names))
	for _, n := range names {
		o := Outcome{Check: "rows " + n}
		b, inBackup := backup[n]
		r, inRestored := restored[n]
		switch {
		case !inRestored:
			o.Problem = fmt.Sprintf("table missing; the backup has %d rows", b)
		case !inBackup:
			o.Problem = fmt.Sprintf("table not in the backup; %d rows restored", r)
		case b != r:
			o.Problem = fmt.Sprintf("%d rows restored, %d in the backup", r, b)
		}
		out = append(out, o)
	}
	return out
}

func describeTarget(schema, objects, versionTable int) string {
	var parts []string
	if schema > 0 {
		parts = append(parts, fmt.Sprintf("a schema paidan with %d objects", objects))
	}
	if versionTable > 0 {
		parts = append(parts, "the table public.paidan_schema_version")
	}
	return strings.Join(parts, " and ")
}

// dropTarget removes the target's schemas paidan and paidan_river and its
// version table in one transaction.
func dropTarget(ctx context.Context, db *sqlx.DB) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DROP SCHEMA IF EXISTS paidan CASCADE`, `DROP SCHEMA IF EXISTS paidan_river CASCADE`, `DROP TABLE IF EXISTS public.paidan_schema_version`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("replace target: %s: %w", q, err)
		}
	}
	return tx.Commit()
}

// analyze gathers planner statistics for every restored table.
func analyze(ctx context.Context, db *sqlx.DB) error {
	var tables []string
	if err := db.SelectContext(ctx, &tables, tablesSQL); err != nil {
		return fmt.Errorf("list restored tables: %w", err)
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}
