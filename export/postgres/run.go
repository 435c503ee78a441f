package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
)

var (
	//go:embed run_start.sql
	runStartSQL string
	//go:embed run_finish.sql
	runFinishSQL string
	//go:embed run_get.sql
	runGetSQL string
	//go:embed run_applied.sql
	runAppliedSQL string
)

// RecordRun records a run that is not applied: run.Status RunRunning
// inserts it as started (ErrRunExists if the id is taken), RunFailed or
// RunSkipped records it finished with run.Error and whatever plan figures
// it has (its assigned and conflict counts are 0: it wrote nothing),
// inserting it or finishing it from running. A run id already applied
// returns ErrAlreadyApplied, one already failed or skipped ErrRunFinished;
// RunApplied is Apply's alone and returns an error. FinishedAt zero means
// the database's clock; StartedAt zero, now(). Like Apply, it writes
// through functions of the schema (paidan.start_run, paidan.finish_run)
// that take the partition's lock first: on a session other than the one
// holding the partition, it waits until no session does.
//
// Recording a failure must outlive the failure: when the run failed because
// its context was cancelled or timed out, pass
// context.WithoutCancel(ctx) (with a short timeout of its own). That is the
// caller's job; RecordRun uses ctx as given. It is safe for concurrent use.
func RecordRun(ctx context.Context, db sqlx.QueryerContext, run paidan.Run) error {
	if err := recordRun(ctx, db, run); err != nil {
		return fmt.Errorf("record run %q: %w", run.ID, err)
	}
	return nil
}

func recordRun(ctx context.Context, db sqlx.QueryerContext, run paidan.Run) error {
	if run.ID == "" {
		return errors.New("empty run id")
	}
	if run.Status == paidan.RunApplied || run.Status > paidan.RunSkipped {
		return fmt.Errorf("status %s cannot be recorded; Apply records applied runs", run.Status)
	}
	if run.Status == paidan.RunRunning {
		var inserted bool
		if err := sqlx.GetContext(ctx, db, &inserted, runStartSQL, run.ID, run.Partition, nullTime(run.StartedAt)); err != nil {
			return serverError(err)
		}
		if !inserted {
			return ErrRunExists
		}
		return nil
	}
	kpis, err := json.Marshal(kpisToJSON(run.KPIs))
	if err != nil {
		return fmt.Errorf("encode KPIs: %w", err)
	}
	rows, err := db.QueryContext(ctx, runFinishSQL, run.ID, run.Partition, run.Status.String(),
		nullTime(run.StartedAt), nullTime(run.FinishedAt), run.RulesHash, run.InputHash, run.Objective,
		run.ObjectiveUnits, run.DualBound, run.Certificate.String(), string(kpis), run.Error)
	if err != nil {
		return serverError(err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return serverError(err)
	}
	return rows.Close()
}

// WasApplied reports whether run id was applied. After Apply returned an
// error whose outcome is unknown (the connection failed during COMMIT), this
// answers whether the write-back committed. It is safe for concurrent use.
func WasApplied(ctx context.Context, db sqlx.QueryerContext, id string) (bool, error) {
	var applied bool
	if err := sqlx.GetContext(ctx, db, &applied, runAppliedSQL, id); err != nil {
		return false, fmt.Errorf("look up run %q: %w", id, err)
	}
	return applied, nil
}

// LookupRun returns the record of run id, or an error wrapping
// ErrRunNotFound. It is safe for concurrent use.
func LookupRun(ctx context.Context, db sqlx.QueryerContext, id string) (*paidan.Run, error) {
	var r runRow
	if err := sqlx.GetContext(ctx, db, &r, runGetSQL, id); errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("look up run %q: %w", id, ErrRunNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("look up run %q: %w", id, err)
	}
	run, err := r.run()
	if err != nil {
		return nil, fmt.Errorf("look up run %q: %w", id, err)
	}
	return run, nil
}

// runRow is one row of run_get.sql.
type runRow struct {
	ID             string          `db:"id"`
	Partition      string          `db:"partition"`
	Status         string          `db:"status"`
	StartedAt      time.Time       `db:"started_at"`
	FinishedAt     sql.NullTime    `db:"finished_at"`
	RulesHash      sql.NullString  `db:"rules_hash"`
	InputHash      sql.NullString  `db:"input_hash"`
	Objective      float64         `db:"objective"`
	ObjectiveUnits int64           `db:"objective_units"`
	DualBound      int64           `db:"dual_bound"`
	Certificate    string          `db:"certificate"`
	KPIs           json.RawMessage `db:"kpis"`
	Assigned       int             `db:"assigned"`
	Conflicts      int             `db:"conflicts"`
	Error          sql.NullString  `db:"error"`
}

func (r *runRow) run() (*paidan.Run, error) {
	status, err := paidan.ParseRunStatus(r.Status)
	if err != nil {
		return nil, err
	}
	cert, err := parseCertificate(r.Certificate)
	if err != nil {
		return nil, err
	}
	run := &paidan.Run{
		ID: r.ID, Partition: r.Partition, Status: status,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt.Time,
		RulesHash: r.RulesHash.String, InputHash: r.InputHash.String,
		Objective: r.Objective, ObjectiveUnits: r.ObjectiveUnits, DualBound: r.DualBound,
		Certificate: cert, Assigned: r.Assigned, Conflicts: r.Conflicts, Error: r.Error.String,
	}
	if len(r.KPIs) > 0 {
		var k kpisJSON
		if err := json.Unmarshal(r.KPIs, &k); err != nil {
			return nil, fmt.Errorf("decode KPIs: %w", err)
		}
		if run.KPIs, err = k.kpis(); err != nil {
			return nil, fmt.Errorf("decode KPIs: %w", err)
		}
	}
	return run, nil
}

func parseCertificate(code string) (paidan.Certificate, error) {
	for _, c := range []paidan.Certificate{paidan.CertificateUnchecked, paidan.CertificateVerified, paidan.CertificateFailed} {
		if c.String() == code {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown certificate %q", code)
}

// kpisJSON is paidan.KPIs as stored in run.kpis: snake_case keys, reasons by
// their stable codes.
type kpisJSON struct {
	Overall  summaryJSON   `json:"overall"`
	ByRegion []summaryJSON `json:"by_region"`
}

type summaryJSON struct {
	Region             string         `json:"region,omitempty"`
	Tasks              int            `json:"tasks"`
	Workers            int            `json:"workers"`
	Assigned           int            `json:"assigned"`
	Unassigned         int            `json:"unassigned"`
	UnassignedByReason map[string]int `json:"unassigned_by_reason,omitempty"`
	TotalCost          float64        `json:"total_cost"`
	MeanCost           float64        `json:"mean_cost"`
	DistanceP50        float64        `json:"distance_p50_km"`
	DistanceP90        float64        `json:"distance_p90_km"`
	UtilizationP50     float64        `json:"utilization_p50"`
	UtilizationP90     float64        `json:"utilization_p90"`
}

func kpisToJSON(k paidan.KPIs) kpisJSON {
	out := kpisJSON{Overall: summaryToJSON("", k.Overall), ByRegion: []summaryJSON{}}
	for _, r := range k.ByRegion {
		out.ByRegion = append(out.ByRegion, summaryToJSON(r.Region, r.Summary))
	}
	return out
}

func summaryToJSON(region string, s paidan.Summary) summaryJSON {
	var reasons map[string]int
	if len(s.UnassignedByReason) > 0 {
		reasons = make(map[string]int, len(s.UnassignedByReason))
		for r, n := range s.UnassignedByReason {
			reasons[r.String()] = n
		}
	}
	return summaryJSON{
		Region: region, Tasks: s.Tasks, Workers: s.Workers, Assigned: s.Assigned, Unassigned: s.Unassigned,
		UnassignedByReason: reasons, TotalCost: s.TotalCost, MeanCost: s.MeanCost,
		DistanceP50: s.DistanceP50, DistanceP90: s.DistanceP90,
		UtilizationP50: s.UtilizationP50, UtilizationP90: s.UtilizationP90,
	}
}

func (k kpisJSON) kpis() (paidan.KPIs, error) {
	overall, err := k.Overall.summary()
	if err != nil {
		return paidan.KPIs{}, err
	}
	out := paidan.KPIs{Overall: overall}
	for _, r := range k.ByRegion {
		s, err := r.summary()
		if err != nil {
			return paidan.KPIs{}, err
		}
		out.ByRegion = append(out.ByRegion, paidan.RegionSummary{Region: r.Region, Summary: s})
	}
	sort.Slice(out.ByRegion, func(i, j int) bool { return out.ByRegion[i].Region < out.ByRegion[j].Region })
	return out, nil
}

func (s summaryJSON) summary() (paidan.Summary, error) {
	var reasons map[paidan.Reason]int
	if len(s.UnassignedByReason) > 0 {
		reasons = make(map[paidan.Reason]int, len(s.UnassignedByReason))
		for code, n := range s.UnassignedByReason {
			r, err := paidan.ParseReason(code)
			if err != nil {
				return paidan.Summary{}, err
			}
			reasons[r] = n
		}
	}
	return paidan.Summary{
		Tasks: s.Tasks, Workers: s.Workers, Assigned: s.Assigned, Unassigned: s.Unassigned,
		UnassignedByReason: reasons, TotalCost: s.TotalCost, MeanCost: s.MeanCost,
		DistanceP50: s.DistanceP50, DistanceP90: s.DistanceP90,
		UtilizationP50: s.UtilizationP50, UtilizationP90: s.UtilizationP90,
	}, nil
}
