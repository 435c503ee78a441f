package parquet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan"
)

// ErrIncomplete reports an export directory that ReadPlan cannot trust: no
// manifest (being written, or a failed write), a file that differs from
// the manifest, or a schema version this package does not read.
var ErrIncomplete = errors.New("parquet: incomplete or altered export")

// ReadPlan reads back the plan that Write exported into dir: the
// assignments with their costs (units and values), the unassigned tasks
// with reasons, details and penalties, the workers' usage, the run figures
// of the summary and the dual potentials. KPIs and WorkerUsage.Regions are
// not restored (the files keep only a worker's first region). The files
// must match the manifest's sizes and SHA-256 sums.
//
// The error wraps ErrIncomplete, ctx.Err() or the failing file operation.
func ReadPlan(ctx context.Context, dir string) (*paidan.Plan, *Manifest, error) {
	p, m, err := readPlan(ctx, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read plan %s: %w", dir, err)
	}
	return p, m, nil
}

func readPlan(ctx context.Context, dir string) (*paidan.Plan, *Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("no %s: not a saved plan, or its write did not finish: %w", ManifestFile, ErrIncomplete)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrIncomplete, ManifestFile, err)
	}
	if m.SchemaVersion != SchemaVersion {
		return nil, nil, fmt.Errorf("%w: schema version %d, this paidan reads %d", ErrIncomplete, m.SchemaVersion, SchemaVersion)
	}
	files := map[string][]byte{}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, nil, err
		}
		if sum := sha256.Sum256(b); int64(len(b)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, nil, fmt.Errorf("%w: %s does not match the manifest's size and SHA-256", ErrIncomplete, f.Name)
		}
		files[f.Name] = b
	}
	for _, name := range []string{AssignmentsFile, UnassignedFile, WorkersFile, SummaryFile, PotentialsFile} {
		if files[name] == nil {
			return nil, nil, fmt.Errorf("%w: the manifest lists no %s", ErrIncomplete, name)
		}
	}
	summary, err := ReadRows[SummaryRow](files[SummaryFile], SummaryFile)
	if err != nil {
		return nil, nil, err
	}
	if len(summary) == 0 || summary[0].Scope != ScopeOverall {
		return nil, nil, fmt.Errorf("%w: %s has no overall row first", ErrIncomplete, SummaryFile)
	}
	o := summary[0]
	cert := paidan.CertificateUnchecked
	for _, c := range []paidan.Certificate{paidan.CertificateVerified, paidan.CertificateFailed} {
		if c.String() == o.Certificate {
			cert = c
		}
	}
	p := &paidan.Plan{
		RunID: m.RunID, Partition: m.Partition,
		Objective: o.Objective, ObjectiveUnits: o.ObjectiveUnits, DualBound: o.DualBound,
		Resolution: o.Resolution, Certificate: cert,
		Solver: paidan.SolverStats{Algorithm: o.SolverAlgorithm, Nodes: int(o.SolverNodes), Arcs: int(o.SolverArcs),
			Iterations: o.SolverIterations, Duration: time.Duration(o.SolveSeconds * float64(time.Second))},
		RulesHash: m.RulesHash, InputHash: m.InputHash,
	}
	if m.AsOfUnixNano != 0 {
		p.AsOf = time.Unix(0, m.AsOfUnixNano).UTC()
	}

	as, err := ReadRows[assignmentRead](files[AssignmentsFile], AssignmentsFile)
	if err != nil {
		return nil, nil, err
	}
	p.Assignments = make([]paidan.Assignment, len(as))
	for i, a := range as {
		// The float columns are the units' values (UnitsValue), so they
		// are recomputed rather than read.
		p.Assignments[i] = paidan.Assignment{
			Task: paidan.TaskID(a.TaskID), Worker: paidan.WorkerID(a.WorkerID), Region: a.Region,
			Priority: int(a.Priority), DistanceKm: a.DistanceKm, Pinned: a.Pinned,
			Cost: paidan.Cost{
				Travel:      paidan.UnitsValue(a.CostTravelUnits, p.Resolution),
				Balance:     paidan.UnitsValue(a.CostBalanceUnits, p.Resolution),
				Stability:   paidan.UnitsValue(a.CostStabilityUnits, p.Resolution),
				TravelUnits: a.CostTravelUnits, BalanceUnits: a.CostBalanceUnits, StabilityUnits: a.CostStabilityUnits},
		}
	}
	us, err := ReadRows[UnassignedRow](files[UnassignedFile], UnassignedFile)
	if err != nil {
		return nil, nil, err
	}
	p.Unassigned = make([]paidan.Unassigned, len(us))
	for i, u := range us {
		reason, err := paidan.ParseReason(u.Reason)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s row %d: %w", ErrIncomplete, UnassignedFile, i+1, err)
		}
		p.Unassigned[i] = paidan.Unassigned{Task: paidan.TaskID(u.TaskID), Region: u.Region, Priority: int(u.Priority),
			Reason: reason, Detail: u.Detail, Penalty: u.Penalty, PenaltyUnits: u.PenaltyUnits}
	}
	ws, err := ReadRows[WorkerRow](files[WorkersFile], WorkersFile)
	if err != nil {
		return nil, nil, err
	}
	p.Workers = make([]paidan.WorkerUsage, len(ws))
	for i, w := range ws {
		p.Workers[i] = paidan.WorkerUsage{Worker: paidan.WorkerID(w.WorkerID), Region: w.Region,
			Capacity: int(w.Capacity), Load: int(w.CurrentLoad), Assigned: int(w.Assigned)}
	}
	pots, err := ReadRows[PotentialRow](files[PotentialsFile], PotentialsFile)
	if err != nil {
		return nil, nil, err
	}
	if len(pots) > 0 {
		p.Potentials = make([]int64, len(pots))
		for i, r := range pots {
			if r.Node != int64(i) {
				return nil, nil, fmt.Errorf("%w: %s row %d is node %d", ErrIncomplete, PotentialsFile, i+1, r.Node)
			}
			p.Potentials[i] = r.Potential
		}
	}
	return p, &m, nil
}

// assignmentRead is the projection of AssignmentRow that ReadPlan decodes:
// parquet-go reads only the columns it names.
type assignmentRead struct {
	TaskID             string  `parquet:"task_id"`
	WorkerID           string  `parquet:"worker_id"`
	Region             string  `parquet:"region"`
	Priority           int64   `parquet:"priority"`
	DistanceKm         float64 `parquet:"distance_km"`
	CostTravelUnits    int64   `parquet:"cost_travel_units"`
	CostBalanceUnits   int64   `parquet:"cost_balance_units"`
	CostStabilityUnits int64   `parquet:"cost_stability_units"`
	Pinned             bool    `parquet:"pinned"`
}

// ReadRows decodes every row of the Parquet file held in data into Row
// (parquet-go reads only the columns Row names); name is the file's name
// in errors. A file that holds fewer rows than its footer counts is an
// ErrIncomplete.
func ReadRows[Row any](data []byte, name string) ([]Row, error) {
	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := parquetgo.NewGenericReader[Row](f)
	defer r.Close()
	rows := make([]Row, f.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n != len(rows) {
		return nil, fmt.Errorf("%w: %s: read %d of %d rows", ErrIncomplete, name, n, len(rows))
	}
	return rows, nil
}
