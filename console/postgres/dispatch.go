package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
)

// runRow is a row of runs_list.sql and run_get.sql.
type runRow struct {
	ID          string       `db:"id"`
	Partition   string       `db:"partition"`
	Status      string       `db:"status"`
	StartedAt   sql.NullTime `db:"started_at"` // NULL when not finite
	FinishedAt  sql.NullTime `db:"finished_at"`
	Objective   float64      `db:"objective"`
	Certificate string       `db:"certificate"`
	Assigned    int          `db:"assigned"`
	Conflicts   int          `db:"conflicts"`
	Error       string       `db:"error"`
	LeftOut     int          `db:"left_out"`
	ByReason    []byte       `db:"by_reason"`
}

func (r runRow) summary() (console.RunSummary, error) {
	s := console.RunSummary{ID: r.ID, Partition: r.Partition, Status: r.Status, StartedAt: r.StartedAt.Time,
		Objective: r.Objective, Certificate: r.Certificate, Assigned: r.Assigned, LeftOut: r.LeftOut,
		Conflicts: r.Conflicts, Error: r.Error}
	if r.FinishedAt.Valid {
		s.FinishedAt = &r.FinishedAt.Time
		if r.StartedAt.Valid {
			s.Seconds = r.FinishedAt.Time.Sub(r.StartedAt.Time).Seconds()
		}
	}
	if len(r.ByReason) > 0 {
		if err := json.Unmarshal(r.ByReason, &s.ByReason); err != nil {
			return s, fmt.Errorf("table paidan.run, id %q: kpis unassigned_by_reason: %w", r.ID, err)
		}
	}
	return s, nil
}

// Runs returns the runs f selects, newest first.
func (s *Store) Runs(ctx context.Context, f console.RunFilter) ([]console.RunSummary, error) {
	var day any
	if !f.Day.IsZero() {
		day = f.Day
	}
	var rows []runRow
	if err := s.DB.SelectContext(ctx, &rows, query("runs_list"), f.Partition, f.Status, day, limit(f.Limit, 50), f.Offset); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := make([]console.RunSummary, 0, len(rows))
	for _, r := range rows {
		sum, err := r.summary()
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, sum)
	}
	return out, nil
}

// Run returns run id with its figures, or an error wrapping
// console.ErrNotFound.
func (s *Store) Run(ctx context.Context, id string) (console.RunDetail, error) {
	var r struct {
		runRow
		RulesHash     string          `db:"rules_hash"`
		InputHash     string          `db:"input_hash"`
		DualBound     int64           `db:"dual_bound"`
		KPIs          []byte          `db:"kpis"`
		PreviousRun   string          `db:"previous_run"`
		PreviousRules string          `db:"previous_rules_hash"`
		CPUSeconds    sql.NullFloat64 `db:"cpu_seconds"`
		PeakMemory    int64           `db:"peak_memory_bytes"`
		Stages        []byte          `db:"stages"`
	}
	if err := s.DB.GetContext(ctx, &r, query("run_get"), id); errors.Is(err, sql.ErrNoRows) {
		return console.RunDetail{}, fmt.Errorf("%w: no run %q", console.ErrNotFound, id)
	} else if err != nil {
		return console.RunDetail{}, fmt.Errorf("look up run %q: %w", id, err)
	}
	sum, err := r.summary()
	if err != nil {
		return console.RunDetail{}, err
	}
	d := console.RunDetail{RunSummary: sum, RulesHash: r.RulesHash, InputHash: r.InputHash, DualBound: r.DualBound,
		PreviousRun: r.PreviousRun, PreviousRulesHash: r.PreviousRules,
		RulesChanged: r.RulesHash != "" && r.PreviousRules != "" && r.RulesHash != r.PreviousRules}
	if r.CPUSeconds.Valid {
		u, err := runUsage(r.CPUSeconds.Float64, r.PeakMemory, r.Stages)
		if err != nil {
			return console.RunDetail{}, fmt.Errorf("table paidan.run_usage, run %q: %w", id, err)
		}
		d.Usage = u
	}
	if len(r.KPIs) > 0 {
		var k struct {
			Overall  *console.Stats  `json:"overall"`
			ByRegion []console.Stats `json:"by_region"`
		}
		if err := json.Unmarshal(r.KPIs, &k); err != nil {
			return console.RunDetail{}, fmt.Errorf("table paidan.run, id %q: kpis: %w", id, err)
		}
		d.Overall, d.ByRegion = k.Overall, k.ByRegion
	}
	return d, nil
}

// assignmentRow is a row of assignments.sql.
type assignmentRow struct {
	Task          string  `db:"task_id"`
	Worker        string  `db:"worker_id"`
	Region        string  `db:"region"`
	DistanceKm    float64 `db:"distance_km"`
	CostTravel    float64 `db:"cost_travel"`
	CostBalance   float64 `db:"cost_balance"`
	CostStability float64 `db:"cost_stability"`
	CostTotal     float64 `db:"cost_total"`
	Pinned        bool    `db:"pinned"`
	Active        bool    `db:"active"`
}

func (r assignmentRow) row() console.AssignmentRow { return console.AssignmentRow(r) }

// Assignments returns one page of the assignments f selects.
func (s *Store) Assignments(ctx context.Context, f console.AssignmentFilter) ([]console.AssignmentRow, error) {
	var rows []assignmentRow
	if err := s.DB.SelectContext(ctx, &rows, query("assignments"), f.Run, prefixPattern(f.Search), limit(f.Limit, 100), nullIfEmpty(f.After)); err != nil {
		return nil, fmt.Errorf("list assignments of run %q: %w", f.Run, err)
	}
	out := make([]console.AssignmentRow, len(rows))
	for i, r := range rows {
		out[i] = r.row()
	}
	return out, nil
}

// EachAssignment calls fn with every assignment f selects, one row at a
// time as the database sends them.
func (s *Store) EachAssignment(ctx context.Context, f console.AssignmentFilter, fn func(console.AssignmentRow) error) error {
	rows, err := s.DB.QueryxContext(ctx, query("assignments"), f.Run, prefixPattern(f.Search), nil, nullIfEmpty(f.After))
	if err != nil {
		return fmt.Errorf("stream assignments of run %q: %w", f.Run, err)
	}
	defer rows.Close()
	var r assignmentRow
	for rows.Next() {
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("stream assignments of run %q: %w", f.Run, err)
		}
		if err := fn(r.row()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream assignments of run %q: %w", f.Run, err)
	}
	return nil
}

// LeftOut returns one page of the tasks run f.Run left out.
func (s *Store) LeftOut(ctx context.Context, f console.AssignmentFilter) ([]console.LeftOutRow, error) {
	var rows []struct {
		Task   string `db:"task_id"`
		Reason string `db:"reason"`
		Detail string `db:"detail"`
	}
	if err := s.DB.SelectContext(ctx, &rows, query("left_out"), f.Run, prefixPattern(f.Search), limit(f.Limit, 100), f.Offset); err != nil {
		return nil, fmt.Errorf("list tasks left out by run %q: %w", f.Run, err)
	}
	out := make([]console.LeftOutRow, len(rows))
	for i, r := range rows {
		out[i] = console.LeftOutRow(r)
	}
	return out, nil
}

// taskRow is a row of task_get.sql.
type taskRow struct {
	ID             string         `db:"id"`
	Partition      string         `db:"partition"`
	Region         string         `db:"region"`
	Skills         pq.StringArray `db:"skills"`
	Priority       int            `db:"priority"`
	Lat            float64        `db:"lat"`
	Lon            float64        `db:"lon"`
	CreatedAt      sql.NullTime   `db:"created_at"` // NULL when not finite
	DueAt          sql.NullTime   `db:"due_at"`
	PinnedWorker   string         `db:"pinned_worker"`
	PreviousWorker string         `db:"previous_worker"`
	Status         string         `db:"status"`
	AssignedWorker string         `db:"assigned_worker"`
	AssignedRun    string         `db:"assigned_run"`
	Version        int64          `db:"version"`
	UpdatedAt      sql.NullTime   `db:"updated_at"`
}

func (r taskRow) facts() console.TaskFacts {
	f := console.TaskFacts{ID: r.ID, Partition: r.Partition, Region: r.Region, Skills: []string(r.Skills),
		Priority: r.Priority, Lat: r.Lat, Lon: r.Lon, CreatedAt: r.CreatedAt.Time, PinnedWorker: r.PinnedWorker,
		PreviousWorker: r.PreviousWorker, Status: r.Status, AssignedWorker: r.AssignedWorker,
		AssignedRun: r.AssignedRun, Version: r.Version, UpdatedAt: r.UpdatedAt.Time}
	if f.Skills == nil {
		f.Skills = []string{}
	}
	if r.DueAt.Valid {
		f.DueAt = &r.DueAt.Time
	}
	return f
}

// Task returns task id and what each run decided about it, or an error
// wrapping console.ErrNotFound.
func (s *Store) Task(ctx context.Context, id string) (console.TaskDetail, error) {
	var r taskRow
	if err := s.DB.GetContext(ctx, &r, query("task_get"), id); errors.Is(err, sql.ErrNoRows) {
		return console.TaskDetail{}, fmt.Errorf("%w: no task %q", console.ErrNotFound, id)
	} else if err != nil {
		return console.TaskDetail{}, fmt.Errorf("look up task %q: %w", id, err)
	}
	var events []struct {
		Run       string       `db:"run"`
		StartedAt sql.NullTime `db:"started_at"`
		Assigned  bool         `db:"assigned"`
		Worker    string       `db:"worker"`
		CostTotal float64      `db:"cost_total"`
		Active    bool         `db:"active"`
		Reason    string       `db:"reason"`
		Detail    string       `db:"detail"`
	}
	if err := s.DB.SelectContext(ctx, &events, query("task_history"), id); err != nil {
		return console.TaskDetail{}, fmt.Errorf("history of task %q: %w", id, err)
	}
	d := console.TaskDetail{Task: r.facts(), History: make([]console.TaskEvent, len(events))}
	for i, e := range events {
		d.History[i] = console.TaskEvent{Run: e.Run, StartedAt: e.StartedAt.Time, Assigned: e.Assigned, Worker: e.Worker,
			CostTotal: e.CostTotal, Active: e.Active, Reason: e.Reason, Detail: e.Detail}
	}
	return d, nil
}

// Workers returns one page of the workers f selects.
func (s *Store) Workers(ctx context.Context, f console.WorkerFilter) ([]console.WorkerRow, error) {
	var rows []struct {
		ID          string         `db:"id"`
		Partition   string         `db:"partition"`
		Regions     pq.StringArray `db:"regions"`
		Skills      pq.StringArray `db:"skills"`
		Capacity    int            `db:"capacity"`
		Load        int            `db:"load"`
		Active      bool           `db:"active"`
		TaskRegions pq.StringArray `db:"task_regions"`
	}
	if err := s.DB.SelectContext(ctx, &rows, query("workers"), f.Partition, prefixPattern(f.Search), limit(f.Limit, 200), f.Offset); err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	out := make([]console.WorkerRow, len(rows))
	for i, r := range rows {
		out[i] = console.WorkerRow{ID: r.ID, Partition: r.Partition, Regions: nonNil(r.Regions), Skills: nonNil(r.Skills),
			Capacity: r.Capacity, Load: r.Load, Active: r.Active, TaskRegions: nonNil(r.TaskRegions)}
	}
	return out, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(a pq.StringArray) []string {
	if a == nil {
		return []string{}
	}
	return []string(a)
}

// Partitions returns every partition's backlog, last run and pause, with
// the age of the oldest pending task at now.
func (s *Store) Partitions(ctx context.Context, now time.Time) ([]console.PartitionRow, error) {
	var rows []struct {
		Name          string       `db:"name"`
		Pending       int          `db:"pending"`
		OldestPending sql.NullTime `db:"oldest_pending"`
		LastRun       string       `db:"last_run"`
		LastStatus    string       `db:"last_status"`
		LastStartedAt sql.NullTime `db:"last_started_at"`
		Paused        bool         `db:"paused"`
		PausedBy      string       `db:"paused_by"`
		PauseNote     string       `db:"pause_note"`
		NextRunAt     sql.NullTime `db:"next_run_at"`
		NextRunBy     string       `db:"next_run_by"`
		RequestedBy   string       `db:"run_requested_by"`
		RequestedAt   sql.NullTime `db:"run_requested_at"`
	}
	if err := s.DB.SelectContext(ctx, &rows, query("partitions")); err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	out := make([]console.PartitionRow, len(rows))
	for i, r := range rows {
		p := console.PartitionRow{Name: r.Name, Pending: r.Pending, LastRun: r.LastRun, LastStatus: r.LastStatus,
			Paused: r.Paused, PausedBy: r.PausedBy, PauseNote: r.PauseNote}
		if r.OldestPending.Valid {
			p.OldestPending = &r.OldestPending.Time
			p.OldestAge = max(0, now.Sub(r.OldestPending.Time).Seconds())
		}
		if r.LastStartedAt.Valid {
			p.LastStartedAt = &r.LastStartedAt.Time
		}
		if r.NextRunAt.Valid {
			p.NextRunAt, p.NextRunBy = &r.NextRunAt.Time, r.NextRunBy
			p.NextRunOverdue = now.Sub(r.NextRunAt.Time) > time.Minute
		}
		if r.RequestedAt.Valid {
			p.RunRequestedAt, p.RunRequestedBy = &r.RequestedAt.Time, r.RequestedBy
		}
		out[i] = p
	}
	return out, nil
}
