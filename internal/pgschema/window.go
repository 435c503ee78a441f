package pgschema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// The compatibility window: the schema versions this binary runs against.
//
// MinSchema is the oldest applied version the code can use: the newest
// migration whose tables, columns or functions it uses (00065 adds the
// worker groups that reports read; 00056 adds the run
// requests and scheduler heartbeats the scheduler reads and writes, and the
// backlog view; 00054 the report runs, 00050 the subscribers, 00048 the
// kept run inputs; 00046 the form of paidan.apply_run that records the
// run's as_of, which the write-back calls). MaxSchema is the newest
// applied version it still understands: the release that follows may add
// expand-only migrations (new tables, nullable or defaulted columns, NOT
// VALID constraints, concurrent indexes) numbered up to MaxSchema, and a
// binary of this release keeps working beside them. A contract migration
// (dropping or renaming anything this release uses) takes a number above
// MaxSchema, so that this binary refuses the schema it would misread
// rather than half-understand it. The README's Upgrades section states the
// rule; TestWindowCoversEmbeddedMigrations keeps the constants honest.
const (
	MinSchema int64 = 65
	MaxSchema int64 = 79
)

// ErrOutsideWindow is returned by CheckWindow when the database's schema
// version is outside [MinSchema, MaxSchema].
var ErrOutsideWindow = errors.New("pgschema: schema version outside the supported window")

// WindowError says which version a database holds and which window the
// binary supports. It unwraps to ErrOutsideWindow.
type WindowError struct {
	Version  int64 // the database's applied version; 0 when none is
	Min, Max int64 // the supported window
}

func (e *WindowError) Error() string {
	switch {
	case e.Version == 0:
		return fmt.Sprintf("the database has no paidan schema (this binary supports schema versions %d-%d); run 'paidan migrate up' first", e.Min, e.Max)
	case e.Version < e.Min:
		return fmt.Sprintf("the database's schema version %d is older than this binary supports (%d-%d); run 'paidan migrate up' with this binary first", e.Version, e.Min, e.Max)
	default:
		return fmt.Sprintf("the database's schema version %d is newer than this binary understands (%d-%d); run a paidan release that supports it", e.Version, e.Min, e.Max)
	}
}

func (e *WindowError) Unwrap() error { return ErrOutsideWindow }

// SchemaVersion returns the database's latest applied migration version,
// 0 when no migration is applied (the version table does not exist yet).
// Every role may read the version table (00040 grants SELECT to PUBLIC).
func SchemaVersion(ctx context.Context, db *sql.DB) (int64, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, VersionTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version_id) FROM `+VersionTable).Scan(&v); err != nil {
		var st interface{ SQLState() string }
		if errors.As(err, &st) && st.SQLState() == "42501" {
			return 0, fmt.Errorf("read schema version from %s: %w (the schema predates %05d, which lets every role read it: run 'paidan migrate up')", VersionTable, err, MinSchema)
		}
		return 0, fmt.Errorf("read schema version from %s: %w", VersionTable, err)
	}
	return v.Int64, nil
}

// CheckWindow returns the database's schema version, and a *WindowError
// when it is outside [MinSchema, MaxSchema]. Every command that reads or
// writes paidan's tables calls it when it connects; "paidan migrate" does
// not.
func CheckWindow(ctx context.Context, db *sql.DB) (int64, error) {
	v, err := SchemaVersion(ctx, db)
	if err != nil {
		return 0, err
	}
	if v < MinSchema || v > MaxSchema {
		return v, &WindowError{Version: v, Min: MinSchema, Max: MaxSchema}
	}
	return v, nil
}

// Latest returns the version of the newest embedded migration.
func Latest() int64 {
	var latest int64
	names, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		panic(err) // a constant, valid pattern
	}
	for _, name := range names {
		if v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}
