package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
)

var (
	//go:embed snapshot_tasks.sql
	snapshotTasksSQL string
	//go:embed snapshot_workers.sql
	snapshotWorkersSQL string
	//go:embed snapshot_runs.sql
	snapshotRunsSQL string
	//go:embed snapshot_assignments.sql
	snapshotAssignmentsSQL string
	//go:embed snapshot_unassigned.sql
	snapshotUnassignedSQL string
)

// Source names of the other tables, as Snapshot's problems report them.
const (
	RunTable        = "table paidan.run"
	AssignmentTable = "table paidan.assignment"
	UnassignedTable = "table paidan.unassigned"
)

// SnapshotVisitor receives the rows of a snapshot, one at a time; a nil
// field skips its table. The record is valid until the call returns. An
// error from a visitor stops the snapshot and is returned.
type SnapshotVisitor struct {
	Task       func(*paidan.TaskRecord) error
	Worker     func(*paidan.WorkerRecord) error
	Run        func(*paidan.RunRecord) error
	Assignment func(*paidan.AssignmentRecord) error
	Unassigned func(*paidan.UnassignedRecord) error
}

// SnapshotReport says what Snapshot read.
type SnapshotReport struct {
	// At is the snapshot's time: its transaction's now().
	At time.Time
	// Problems lists the values that could not be passed on as stored, in
	// table order: a time outside paidan.MinTime..paidan.MaxTime
	// (±infinity, year 1), passed on as missing, or text that is not UTF-8
	// (possible in an SQL_ASCII database), passed on with each bad byte
	// replaced by U+FFFD. Each names the table, the row's key and the column
	// (a *paidan.FieldError) and shows the value as stored.
	Problems []*paidan.InputError
}

// Snapshot reads every row of paidan.worker, paidan.task, paidan.run,
// paidan.assignment and paidan.unassigned, in that order and each in
// primary key order, from one REPEATABLE READ, READ ONLY transaction, and
// hands each to v as it arrives: memory does not grow with the tables. A
// value that cannot be passed on as stored never stops it (see
// SnapshotReport.Problems). It returns an error when the database fails,
// ctx ends or a visitor fails. The role needs SELECT on the five tables
// (paidan_runtime has it).
func Snapshot(ctx context.Context, db *sqlx.DB, v SnapshotVisitor) (*SnapshotReport, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer tx.Rollback()
	rep := &SnapshotReport{}
	if rep.At, err = begin(ctx, tx); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	rep.At = rep.At.UTC()
	lo, hi := paidan.MinTime(), paidan.MaxTime()
	var p problems
	steps := []struct {
		table string
		run   func() error
	}{
		{WorkerTable, func() error {
			return stream(ctx, tx, snapshotWorkersSQL, lo, hi, v.Worker != nil, func(r *snapshotWorker) error {
				return v.Worker(r.record(p.at(WorkerTable, r.ID)))
			})
		}},
		{TaskTable, func() error {
			return stream(ctx, tx, snapshotTasksSQL, lo, hi, v.Task != nil, func(r *snapshotTask) error {
				return v.Task(r.record(p.at(TaskTable, r.ID)))
			})
		}},
		{RunTable, func() error {
			return stream(ctx, tx, snapshotRunsSQL, lo, hi, v.Run != nil, func(r *snapshotRun) error {
				return v.Run(r.record(p.at(RunTable, r.ID)))
			})
		}},
		{AssignmentTable, func() error {
			return stream(ctx, tx, snapshotAssignmentsSQL, lo, hi, v.Assignment != nil, func(r *snapshotAssignment) error {
				return v.Assignment(r.record(p.at(AssignmentTable, r.RunID+"/"+r.TaskID)))
			})
		}},
		{UnassignedTable, func() error {
			return stream(ctx, tx, snapshotUnassignedSQL, lo, hi, v.Unassigned != nil, func(r *snapshotUnassigned) error {
				return v.Unassigned(r.record(p.at(UnassignedTable, r.RunID+"/"+r.TaskID)))
			})
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", s.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	rep.Problems = p.list
	return rep, nil
}

// stream runs query and calls visit on each row, reusing one row value.
func stream[R any](ctx context.Context, tx *sqlx.Tx, query string, lo, hi time.Time, want bool, visit func(*R) error) error {
	if !want {
		return nil
	}
	rows, err := tx.QueryxContext(ctx, query, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r R
	for rows.Next() {
		var zero R
		r = zero
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := visit(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// problems collects what a snapshot could not pass on as stored.
type problems struct {
	list []*paidan.InputError
	row  rowProblems
}

// rowProblems checks the values of one row.
type rowProblems struct {
	p          *problems
	table, key string
}

func (p *problems) at(table, key string) *rowProblems {
	p.row = rowProblems{p: p, table: table, key: key}
	return &p.row
}

func (r *rowProblems) add(column string, err error) {
	r.p.list = append(r.p.list, &paidan.InputError{Source: r.table, Key: safeKey(r.key),
		Err: &paidan.FieldError{Field: column, Err: err}})
}

// time returns t, or the zero time (missing) and a problem when the query
// found it out of range (bad holds its text).
func (r *rowProblems) time(column string, t sql.NullTime, bad sql.NullString) time.Time {
	if bad.Valid {
		r.add(column, fmt.Errorf("%s is outside %s..%s; exported as missing: %w", safeKey(bad.String),
			paidan.MinTime().Format(time.RFC3339), paidan.MaxTime().Format(time.RFC3339Nano), paidan.ErrOutOfRange))
	}
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// text returns s, with each byte that is not UTF-8 replaced by U+FFFD and
// a problem recorded.
func (r *rowProblems) text(column, s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r.add(column, fmt.Errorf("%s; exported with U+FFFD for each bad byte: %w", safeKey(s), paidan.ErrInvalidUTF8))
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (r *rowProblems) texts(column string, l []string) []string {
	for i := range l {
		l[i] = r.text(column, l[i])
	}
	return l
}

// snapshotTask is one row of snapshot_tasks.sql: the loaded columns and
// the ones paidan maintains.
type snapshotTask struct {
	taskColumns
	Partition      string         `db:"partition"`
	Status         string         `db:"status"`
	AssignedWorker sql.NullString `db:"assigned_worker"`
	AssignedRun    sql.NullString `db:"assigned_run"`
	UpdatedAt      sql.NullTime   `db:"updated_at"`
	UpdatedAtBad   sql.NullString `db:"updated_at_bad"`
}

func (s *snapshotTask) record(p *rowProblems) *paidan.TaskRecord {
	return &paidan.TaskRecord{
		ID: p.text("id", s.ID), Partition: p.text("partition", s.Partition), Region: p.text("region", s.Region),
		Skills: p.texts("skills", s.Skills), Priority: s.Priority, Lat: s.Lat, Lon: s.Lon,
		CreatedAt: p.time("created_at", s.CreatedAt, s.CreatedAtBad), DueAt: p.time("due_at", s.DueAt, s.DueAtBad),
		PinnedWorker: p.text("pinned_worker", s.PinnedWorker.String), PreviousWorker: p.text("previous_worker", s.PreviousWorker.String),
		Status: s.Status, AssignedWorker: p.text("assigned_worker", s.AssignedWorker.String),
		AssignedRun: p.text("assigned_run", s.AssignedRun.String), Version: s.Version,
		UpdatedAt: p.time("updated_at", s.UpdatedAt, s.UpdatedAtBad),
	}
}

// snapshotWorker is one row of snapshot_workers.sql: the loaded columns
// and the ones paidan maintains.
type snapshotWorker struct {
	workerColumns
	Partition    string         `db:"partition"`
	Active       bool           `db:"active"`
	Version      int64          `db:"version"`
	UpdatedAt    sql.NullTime   `db:"updated_at"`
	UpdatedAtBad sql.NullString `db:"updated_at_bad"`
}

func (s *snapshotWorker) record(p *rowProblems) *paidan.WorkerRecord {
	return &paidan.WorkerRecord{
		ID: p.text("id", s.ID), Partition: p.text("partition", s.Partition),
		Regions: p.texts("regions", s.Regions), Skills: p.texts("skills", s.Skills),
		Capacity: s.Capacity, Load: s.Load, Active: s.Active, Lat: s.Lat, Lon: s.Lon,
		ShiftStart: p.time("shift_start", s.ShiftStart, s.ShiftStartBad), ShiftEnd: p.time("shift_end", s.ShiftEnd, s.ShiftEndBad),
		MaxDistanceKm: s.MaxDistanceKm, Version: s.Version, UpdatedAt: p.time("updated_at", s.UpdatedAt, s.UpdatedAtBad),
	}
}

type snapshotRun struct {
	ID             string         `db:"id"`
	Partition      string         `db:"partition"`
	StartedAt      sql.NullTime   `db:"started_at"`
	StartedAtBad   sql.NullString `db:"started_at_bad"`
	FinishedAt     sql.NullTime   `db:"finished_at"`
	FinishedAtBad  sql.NullString `db:"finished_at_bad"`
	Status         string         `db:"status"`
	RulesHash      sql.NullString `db:"rules_hash"`
	InputHash      sql.NullString `db:"input_hash"`
	Objective      float64        `db:"objective"`
	ObjectiveUnits int64          `db:"objective_units"`
	DualBound      int64          `db:"dual_bound"`
	Certificate    string         `db:"certificate"`
	KPIs           sql.NullString `db:"kpis"`
	Assigned       int64          `db:"assigned"`
	Conflicts      int64          `db:"conflicts"`
	Error          sql.NullString `db:"error"`
}

func (s *snapshotRun) record(p *rowProblems) *paidan.RunRecord {
	return &paidan.RunRecord{
		ID: p.text("id", s.ID), Partition: p.text("partition", s.Partition),
		StartedAt: p.time("started_at", s.StartedAt, s.StartedAtBad), FinishedAt: p.time("finished_at", s.FinishedAt, s.FinishedAtBad),
		Status: s.Status, RulesHash: p.text("rules_hash", s.RulesHash.String), InputHash: p.text("input_hash", s.InputHash.String),
		Objective: s.Objective, ObjectiveUnits: s.ObjectiveUnits, DualBound: s.DualBound, Certificate: s.Certificate,
		KPIs: p.text("kpis", s.KPIs.String), Assigned: s.Assigned, Conflicts: s.Conflicts, Error: p.text("error", s.Error.String),
	}
}

type snapshotAssignment struct {
	RunID         string         `db:"run_id"`
	TaskID        string         `db:"task_id"`
	WorkerID      string         `db:"worker_id"`
	DistanceKm    float64        `db:"distance_km"`
	CostTravel    float64        `db:"cost_travel"`
	CostBalance   float64        `db:"cost_balance"`
	CostStability float64        `db:"cost_stability"`
	CostTotal     float64        `db:"cost_total"`
	Pinned        bool           `db:"pinned"`
	Active        bool           `db:"active"`
	CreatedAt     sql.NullTime   `db:"created_at"`
	CreatedAtBad  sql.NullString `db:"created_at_bad"`
}

func (s *snapshotAssignment) record(p *rowProblems) *paidan.AssignmentRecord {
	return &paidan.AssignmentRecord{
		RunID: p.text("run_id", s.RunID), TaskID: p.text("task_id", s.TaskID), WorkerID: p.text("worker_id", s.WorkerID),
		DistanceKm: s.DistanceKm, CostTravel: s.CostTravel, CostBalance: s.CostBalance, CostStability: s.CostStability,
		CostTotal: s.CostTotal, Pinned: s.Pinned, Active: s.Active, CreatedAt: p.time("created_at", s.CreatedAt, s.CreatedAtBad),
	}
}

type snapshotUnassigned struct {
	RunID        string         `db:"run_id"`
	TaskID       string         `db:"task_id"`
	Reason       string         `db:"reason"`
	Detail       string         `db:"detail"`
	CreatedAt    sql.NullTime   `db:"created_at"`
	CreatedAtBad sql.NullString `db:"created_at_bad"`
}

func (s *snapshotUnassigned) record(p *rowProblems) *paidan.UnassignedRecord {
	return &paidan.UnassignedRecord{
		RunID: p.text("run_id", s.RunID), TaskID: p.text("task_id", s.TaskID), Reason: s.Reason,
		Detail: p.text("detail", s.Detail), CreatedAt: p.time("created_at", s.CreatedAt, s.CreatedAtBad),
	}
}
