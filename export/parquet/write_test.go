package parquet_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/export/parquet/internal/fixture"
)

var dataFiles = []string{parquet.AssignmentsFile, parquet.UnassignedFile, parquet.WorkersFile, parquet.SummaryFile, parquet.PotentialsFile}

// writtenAt is the clock the tests give Write.
func writtenAt() time.Time { return time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) }

func testOptions() parquet.Options {
	return parquet.Options{Version: "v1.2.3-test", Now: writtenAt}
}

// writeFixture writes the fixture plan into a new directory and returns it.
func writeFixture(t *testing.T, opts parquet.Options) (string, *parquet.Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "date=2026-11-26", "run=run-20261126-0001")
	m, err := parquet.Write(context.Background(), dir, fixture.Plan(), opts)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, m
}

func readRows[T any](t *testing.T, dir, name string) []T {
	t.Helper()
	rows, err := parquetgo.ReadFile[T](filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return rows
}

func openFile(t *testing.T, path string) *parquetgo.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquetgo.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return pf
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFixture(t *testing.T) {
	t.Parallel()
	dir, m := writeFixture(t, testOptions())

	t.Run("assignments", func(t *testing.T) {
		t.Parallel()
		got := readRows[parquet.AssignmentRow](t, dir, parquet.AssignmentsFile)
		const run = "run-20261126-0001"
		want := []parquet.AssignmentRow{
			{RunID: run, TaskID: "t1", WorkerID: "w1", Region: "north", Priority: 2, DistanceKm: 3.5,
				CostTravel: 7, CostBalance: 0.5, CostStability: 0, CostTotal: 7.5,
				CostTravelUnits: 7000, CostBalanceUnits: 500, CostTotalUnits: 7500, Pinned: false},
			{RunID: run, TaskID: "t2", WorkerID: "w2", Region: "north", Priority: 0, DistanceKm: 1.25,
				CostTravel: 2.5, CostBalance: 0, CostStability: 0, CostTotal: 2.5,
				CostTravelUnits: 2500, CostTotalUnits: 2500, Pinned: true},
			{RunID: run, TaskID: "t5", WorkerID: "w3", Region: "south", Priority: 1, DistanceKm: 10,
				CostTravel: 20, CostBalance: 1, CostStability: 3.5, CostTotal: 24.5,
				CostTravelUnits: 20000, CostBalanceUnits: 1000, CostStabilityUnits: 3500, CostTotalUnits: 24500, Pinned: false},
		}
		if !slices.Equal(got, want) {
			t.Errorf("rows:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("unassigned", func(t *testing.T) {
		t.Parallel()
		got := readRows[parquet.UnassignedRow](t, dir, parquet.UnassignedFile)
		const run = "run-20261126-0001"
		want := []parquet.UnassignedRow{
			{RunID: run, TaskID: "t3", Region: "north", Priority: 3, Reason: "no_skill", ReasonCode: 1,
				Detail: "region north: no worker with skill forklift", Penalty: 100, PenaltyUnits: 100000},
			{RunID: run, TaskID: "t4", Region: "north", Priority: 1, Reason: "no_capacity", ReasonCode: 5,
				Detail: "region north: workers w1, w2 are full", Penalty: 40, PenaltyUnits: 40000},
			{RunID: run, TaskID: "t6", Region: "south", Priority: 0, Reason: "out_of_range", ReasonCode: 3,
				Detail: "region south: nearest worker 80.5 km away, limit 50 km", Penalty: 10, PenaltyUnits: 10000},
			{RunID: run, TaskID: "t7", Region: "south", Priority: 0, Reason: "no_capacity", ReasonCode: 5,
				Detail: "region south: worker w3 is full", Penalty: 10, PenaltyUnits: 10000},
			{RunID: run, TaskID: "t8", Region: "south", Priority: 5, Reason: "pinned_infeasible", ReasonCode: 7,
				Detail: "pinned to w9, which does not serve south", Penalty: 250, PenaltyUnits: 250000},
		}
		if !slices.Equal(got, want) {
			t.Errorf("rows:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("workers", func(t *testing.T) {
		t.Parallel()
		got := readRows[parquet.WorkerRow](t, dir, parquet.WorkersFile)
		const run = "run-20261126-0001"
		want := []parquet.WorkerRow{
			{RunID: run, WorkerID: "w1", Region: "north", Capacity: 4, CurrentLoad: 1, Assigned: 1, Utilization: 0.5},
			{RunID: run, WorkerID: "w2", Region: "north", Capacity: 2, CurrentLoad: 1, Assigned: 1, Utilization: 1},
			{RunID: run, WorkerID: "w3", Region: "south", Capacity: 4, CurrentLoad: 0, Assigned: 1, Utilization: 0.25},
			{RunID: run, WorkerID: "w4", Region: "", Capacity: 0, CurrentLoad: 0, Assigned: 0, Utilization: 0},
		}
		if !slices.Equal(got, want) {
			t.Errorf("rows:\n got %+v\nwant %+v", got, want)
		}
		nulls := columnNulls(t, filepath.Join(dir, parquet.WorkersFile), "region")
		if nulls != 1 {
			t.Errorf("region nulls = %d, want 1 (the worker serving every region)", nulls)
		}
	})

	t.Run("summary", func(t *testing.T) {
		t.Parallel()
		got := readRows[parquet.SummaryRow](t, dir, parquet.SummaryFile)
		wantAsOf := time.Date(2026, 11, 26, 1, 30, 0, 123456000, time.UTC)
		run := parquet.SummaryRow{
			RunID: "run-20261126-0001", Partition: "metro",
			Objective: 444.5, ObjectiveUnits: 444500, DualBound: 444500, Resolution: 0.001,
			Certificate: "verified", SolverAlgorithm: "network-simplex",
			SolverNodes: 14, SolverArcs: 31, SolverIterations: 57, SolveSeconds: 1.5,
			RulesHash: "5f1c0a9e3b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
			InputHash: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
		}
		overall, north, south := run, run, run
		overall.Scope, overall.Region = "overall", ""
		overall.Tasks, overall.Workers, overall.Assigned, overall.Unassigned = 8, 4, 3, 5
		overall.UnassignedNoSkill, overall.UnassignedOutOfRange = 1, 1
		overall.UnassignedNoCapacity, overall.UnassignedPinnedInfeasible = 2, 1
		overall.TotalCost, overall.TotalCostUnits, overall.MeanCost = 444.5, 444500, 11.5
		overall.DistanceP50, overall.DistanceP90 = 3.5, 10
		overall.UtilizationP50, overall.UtilizationP90 = 0.5, 1

		north.Scope, north.Region = "region", "north"
		north.Tasks, north.Workers, north.Assigned, north.Unassigned = 4, 3, 2, 2
		north.UnassignedNoSkill, north.UnassignedNoCapacity = 1, 1
		north.TotalCost, north.TotalCostUnits, north.MeanCost = 150, 150000, 5
		north.DistanceP50, north.DistanceP90 = 2.375, 3.25
		north.UtilizationP50, north.UtilizationP90 = 0.75, 1

		south.Scope, south.Region = "region", "south"
		south.Tasks, south.Workers, south.Assigned, south.Unassigned = 4, 2, 1, 3
		south.UnassignedOutOfRange, south.UnassignedNoCapacity, south.UnassignedPinnedInfeasible = 1, 1, 1
		south.TotalCost, south.TotalCostUnits, south.MeanCost = 294.5, 294500, 24.5
		south.DistanceP50, south.DistanceP90 = 10, 10
		south.UtilizationP50, south.UtilizationP90 = 0.25, 0.25

		want := []parquet.SummaryRow{overall, north, south}
		if len(got) != len(want) {
			t.Fatalf("got %d rows, want %d", len(got), len(want))
		}
		for i := range got {
			if !got[i].AsOf.Equal(wantAsOf) {
				t.Errorf("row %d: as_of = %v, want %v", i, got[i].AsOf, wantAsOf)
			}
			g := got[i]
			g.AsOf = time.Time{}
			if g != want[i] {
				t.Errorf("row %d:\n got %+v\nwant %+v", i, g, want[i])
			}
		}
		if nulls := columnNulls(t, filepath.Join(dir, parquet.SummaryFile), "region"); nulls != 1 {
			t.Errorf("region nulls = %d, want 1 (the overall row)", nulls)
		}
	})

	t.Run("schema", func(t *testing.T) {
		t.Parallel()
		want := map[string]string{
			parquet.AssignmentsFile: `message AssignmentRow {
	required binary run_id (STRING);
	required binary task_id (STRING);
	required binary worker_id (STRING);
	required binary region (STRING);
	required int64 priority (INT(64,true));
	required double distance_km;
	required double cost_travel;
	required double cost_balance;
	required double cost_stability;
	required double cost_total;
	required int64 cost_travel_units (INT(64,true));
	required int64 cost_balance_units (INT(64,true));
	required int64 cost_stability_units (INT(64,true));
	required int64 cost_total_units (INT(64,true));
	required boolean pinned;
}`,
			parquet.UnassignedFile: `message UnassignedRow {
	required binary run_id (STRING);
	required binary task_id (STRING);
	required binary region (STRING);
	required int64 priority (INT(64,true));
	required binary reason (STRING);
	required int64 reason_code (INT(64,true));
	required binary detail (STRING);
	required double penalty;
	required int64 penalty_units (INT(64,true));
}`,
			parquet.WorkersFile: `message WorkerRow {
	required binary run_id (STRING);
	required binary worker_id (STRING);
	optional binary region (STRING);
	required int64 capacity (INT(64,true));
	required int64 current_load (INT(64,true));
	required int64 assigned (INT(64,true));
	required double utilization;
}`,
			parquet.SummaryFile: `message SummaryRow {
	required binary run_id (STRING);
	required binary partition (STRING);
	required binary scope (STRING);
	optional binary region (STRING);
	required int64 as_of (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	required int64 tasks (INT(64,true));
	required int64 workers (INT(64,true));
	required int64 assigned (INT(64,true));
	required int64 unassigned (INT(64,true));
	required int64 unassigned_no_skill (INT(64,true));
	required int64 unassigned_no_region (INT(64,true));
	required int64 unassigned_out_of_range (INT(64,true));
	required int64 unassigned_outside_shift (INT(64,true));
	required int64 unassigned_no_capacity (INT(64,true));
	required int64 unassigned_cheaper_unassigned (INT(64,true));
	required int64 unassigned_pinned_infeasible (INT(64,true));
	required double total_cost;
	required int64 total_cost_units (INT(64,true));
	required double mean_cost;
	required double distance_p50;
	required double distance_p90;
	required double utilization_p50;
	required double utilization_p90;
	required double objective;
	required int64 objective_units (INT(64,true));
	required int64 dual_bound (INT(64,true));
	required double resolution;
	required binary certificate (STRING);
	required binary solver_algorithm (STRING);
	required int64 solver_nodes (INT(64,true));
	required int64 solver_arcs (INT(64,true));
	required int64 solver_iterations (INT(64,true));
	required double solve_seconds;
	required binary rules_hash (STRING);
	required binary input_hash (STRING);
}`,
			parquet.PotentialsFile: `message PotentialRow {
	required binary run_id (STRING);
	required int64 node (INT(64,true));
	required int64 potential (INT(64,true));
}`,
		}
		for _, name := range dataFiles {
			got := openFile(t, filepath.Join(dir, name)).Schema().String()
			if got != want[name] {
				t.Errorf("%s schema:\n got %s\nwant %s", name, got, want[name])
			}
		}
	})

	t.Run("metadata", func(t *testing.T) {
		t.Parallel()
		want := map[string]string{
			"paidan.run_id":         "run-20261126-0001",
			"paidan.partition":      "metro",
			"paidan.rules_hash":     "5f1c0a9e3b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
			"paidan.version":        "v1.2.3-test",
			"paidan.schema_version": "2",
		}
		for _, name := range dataFiles {
			f := openFile(t, filepath.Join(dir, name))
			for k, v := range want {
				if got, ok := f.Lookup(k); got != v || !ok {
					t.Errorf("%s: metadata %s = %q (present %v), want %q", name, k, got, ok, v)
				}
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		for _, name := range dataFiles {
			checkPages(t, filepath.Join(dir, name))
		}
	})

	t.Run("manifest", func(t *testing.T) {
		t.Parallel()
		b, err := os.ReadFile(filepath.Join(dir, parquet.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var got parquet.Manifest
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("decode manifest: %v", err)
		}
		if got.SchemaVersion != 2 || got.RunID != "run-20261126-0001" || got.Partition != "metro" ||
			got.PaidanVersion != "v1.2.3-test" || !got.WrittenAt.Equal(writtenAt()) ||
			!got.AsOf.Equal(time.Date(2026, 11, 26, 1, 30, 0, 123456000, time.UTC)) ||
			got.RulesHash != fixture.Plan().RulesHash || got.InputHash != fixture.Plan().InputHash {
			t.Errorf("manifest header = %+v", got)
		}
		var names []string
		for i, f := range got.Files {
			names = append(names, f.Name)
			if f != m.Files[i] {
				t.Errorf("manifest.json file %d = %+v, Write returned %+v", i, f, m.Files[i])
			}
			b, err := os.ReadFile(filepath.Join(dir, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if f.Bytes != int64(len(b)) || f.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: manifest says %d bytes sha256 %s; file has %d bytes sha256 %x",
					f.Name, f.Bytes, f.SHA256, len(b), sum)
			}
			if rows := openFile(t, filepath.Join(dir, f.Name)).NumRows(); rows != f.Rows {
				t.Errorf("%s: manifest says %d rows, file has %d", f.Name, f.Rows, rows)
			}
		}
		if !slices.Equal(names, dataFiles) {
			t.Errorf("manifest files = %v, want %v", names, dataFiles)
		}
		wantRows := []int64{3, 5, 4, 3, 13}
		for i, f := range got.Files {
			if f.Rows != wantRows[i] {
				t.Errorf("%s: rows = %d, want %d", f.Name, f.Rows, wantRows[i])
			}
		}
	})

	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		got := entries(t, dir)
		want := []string{"assignments.parquet", "manifest.json", "potentials.parquet", "summary.parquet", "unassigned.parquet", "workers.parquet"}
		if !slices.Equal(got, want) {
			t.Errorf("directory holds %v, want %v", got, want)
		}
		for _, name := range want {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o640 {
				t.Errorf("%s: mode %v, want 0640 (the default)", name, st.Mode().Perm())
			}
		}
		opts := testOptions()
		opts.FileMode = 0o644
		open := filepath.Join(t.TempDir(), "open")
		if _, err := parquet.Write(context.Background(), open, fixture.Plan(), opts); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(filepath.Join(open, parquet.AssignmentsFile)); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("with FileMode 0644: mode %v, %v", st.Mode().Perm(), err)
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		t.Parallel()
		_, again := writeFixture(t, testOptions())
		if !slices.Equal(again.Files, m.Files) {
			t.Errorf("second write: files %+v, first %+v", again.Files, m.Files)
		}
	})
}

// columnNulls returns the number of nulls in the named column of the file.
func columnNulls(t *testing.T, path, column string) int64 {
	t.Helper()
	f := openFile(t, path)
	leaf, ok := f.Schema().Lookup(column)
	if !ok {
		t.Fatalf("%s: no column %s", path, column)
	}
	var n int64
	for _, rg := range f.RowGroups() {
		n += rg.ColumnChunks()[leaf.ColumnIndex].(*parquetgo.FileColumnChunk).NullCount()
	}
	return n
}

// checkPages checks that every column chunk of the file is zstd-compressed
// and that its data pages are version 1, both from the footer's encoding
// statistics and by decoding the page header the footer points to.
func checkPages(t *testing.T, path string) {
	t.Helper()
	f := openFile(t, path)
	for i, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			col := strings.Join(c.MetaData.PathInSchema, ".")
			if c.MetaData.Codec != format.Zstd {
				t.Errorf("%s row group %d column %s: codec %v, want ZSTD", path, i, col, c.MetaData.Codec)
			}
			if len(c.MetaData.EncodingStats) == 0 {
				t.Errorf("%s row group %d column %s: no page encoding stats", path, i, col)
			}
			for _, s := range c.MetaData.EncodingStats {
				if s.PageType != format.DataPage && s.PageType != format.DictionaryPage {
					t.Errorf("%s row group %d column %s: page type %v", path, i, col, s.PageType)
				}
			}
			var h format.PageHeader
			r := io.NewSectionReader(f, c.MetaData.DataPageOffset, 1<<16)
			if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(r)).Decode(&h); err != nil {
				t.Fatalf("%s row group %d column %s: decode page header: %v", path, i, col, err)
			}
			if h.Type != format.DataPage || !h.DataPageHeader.Valid || h.DataPageHeaderV2.Valid {
				t.Errorf("%s row group %d column %s: first data page is %v, want DATA_PAGE (v1)", path, i, col, h.Type)
			}
		}
	}
}

func TestWriteRowGroups(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.RowGroupSize = 2
	dir, _ := writeFixture(t, opts)
	for name, want := range map[string]int{
		parquet.AssignmentsFile: 2, // 3 rows
		parquet.UnassignedFile:  3, // 5 rows
		parquet.WorkersFile:     2, // 4 rows
		parquet.SummaryFile:     2, // 3 rows
	} {
		f := openFile(t, filepath.Join(dir, name))
		if got := len(f.RowGroups()); got != want {
			t.Errorf("%s: %d row groups, want %d", name, got, want)
		}
		for i, rg := range f.RowGroups() {
			if n := rg.NumRows(); n > 2 {
				t.Errorf("%s row group %d: %d rows, want at most 2", name, i, n)
			}
		}
		checkPages(t, filepath.Join(dir, name))
	}
	got := readRows[parquet.UnassignedRow](t, dir, parquet.UnassignedFile)
	var tasks []string
	for _, r := range got {
		tasks = append(tasks, r.TaskID)
	}
	if want := []string{"t3", "t4", "t6", "t7", "t8"}; !slices.Equal(tasks, want) {
		t.Errorf("unassigned tasks across row groups = %v, want %v", tasks, want)
	}
}

func TestWriteZeroOptions(t *testing.T) {
	t.Parallel()
	before := time.Now()
	dir, m := writeFixture(t, parquet.Options{})
	after := time.Now()
	if m.PaidanVersion != "unknown" {
		t.Errorf("manifest version = %q, want %q", m.PaidanVersion, "unknown")
	}
	if v, _ := openFile(t, filepath.Join(dir, parquet.AssignmentsFile)).Lookup("paidan.version"); v != "unknown" {
		t.Errorf("metadata paidan.version = %q, want %q", v, "unknown")
	}
	if m.WrittenAt.Before(before.Truncate(time.Second)) || m.WrittenAt.After(after) {
		t.Errorf("WrittenAt = %v, want between %v and %v", m.WrittenAt, before, after)
	}
	if got := len(openFile(t, filepath.Join(dir, parquet.AssignmentsFile)).RowGroups()); got != 1 {
		t.Errorf("assignments: %d row groups, want 1", got)
	}
}

func TestWriteEmptyPlan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plan := &paidan.Plan{RunID: "empty", KPIs: paidan.KPIs{Overall: paidan.Summary{}}}
	m, err := parquet.Write(context.Background(), dir, plan, testOptions())
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	for i, want := range []int64{0, 0, 0, 1} {
		if m.Files[i].Rows != want {
			t.Errorf("%s: %d rows, want %d", m.Files[i].Name, m.Files[i].Rows, want)
		}
		if n := openFile(t, filepath.Join(dir, m.Files[i].Name)).NumRows(); n != want {
			t.Errorf("%s: file has %d rows, want %d", m.Files[i].Name, n, want)
		}
	}
	got := readRows[parquet.SummaryRow](t, dir, parquet.SummaryFile)
	if got[0].Scope != "overall" || got[0].RunID != "empty" || got[0].Certificate != "unchecked" {
		t.Errorf("summary row = %+v", got[0])
	}
}

// countdownContext is a context whose Err reports context.Canceled from
// its n-th call on, to cancel Write at every point where it looks.
type countdownContext struct {
	context.Context
	left atomic.Int64
}

func (c *countdownContext) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestWriteCancelled(t *testing.T) {
	t.Parallel()
	t.Run("new directory", func(t *testing.T) {
		t.Parallel()
		cancelled := 0
		for k := int64(0); ; k++ {
			dir := filepath.Join(t.TempDir(), "out")
			ctx := &countdownContext{Context: context.Background()}
			ctx.left.Store(k)
			_, err := parquet.Write(ctx, dir, fixture.Plan(), testOptions())
			if err == nil {
				break
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancel after %d checks: err = %v, want context.Canceled", k, err)
			}
			cancelled++
			if got := entries(t, dir); len(got) != 0 {
				t.Errorf("cancel after %d checks: directory holds %v, want nothing", k, got)
			}
		}
		// A check before anything is written, one per file, one before
		// the renames.
		if cancelled < 6 {
			t.Errorf("Write looked at ctx %d times, want at least 6", cancelled)
		}
	})
	t.Run("existing export", func(t *testing.T) {
		t.Parallel()
		dir, _ := writeFixture(t, testOptions())
		before := snapshot(t, dir)
		changed := fixture.Plan()
		changed.RunID = "run-20261126-0002"
		for k := int64(0); k < 6; k++ {
			ctx := &countdownContext{Context: context.Background()}
			ctx.left.Store(k)
			if _, err := parquet.Write(ctx, dir, changed, testOptions()); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancel after %d checks: err = %v, want context.Canceled", k, err)
			}
			if after := snapshot(t, dir); !mapsEqual(after, before) {
				t.Errorf("cancel after %d checks: export changed from %v to %v", k, keys(before), keys(after))
			}
		}
	})
}

// snapshot returns the content of every file in dir by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	s := map[string]string{}
	for _, name := range entries(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s[name] = string(b)
	}
	return s
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestWriteRenameFailure(t *testing.T) {
	t.Parallel()
	dir, _ := writeFixture(t, testOptions())
	// A directory where workers.parquet belongs makes its rename fail after
	// the two files before it are in place.
	if err := os.Remove(filepath.Join(dir, parquet.WorkersFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, parquet.WorkersFile), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := parquet.Write(context.Background(), dir, fixture.Plan(), testOptions())
	if err == nil {
		t.Fatal("Write succeeded with a directory in the way")
	}
	if !strings.Contains(err.Error(), parquet.WorkersFile) {
		t.Errorf("error %q does not name %s", err, parquet.WorkersFile)
	}
	got := entries(t, dir)
	want := []string{"assignments.parquet", "potentials.parquet", "summary.parquet", "unassigned.parquet", "workers.parquet"}
	if !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v: no manifest, no temporary files", got, want)
	}
}

func TestWriteInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		plan   func() *paidan.Plan
		opts   parquet.Options
		target error // besides ErrInvalidPlan, unless it is ErrInvalidOptions
	}{
		{"nil plan", func() *paidan.Plan { return nil }, parquet.Options{}, parquet.ErrInvalidPlan},
		{"empty run id", func() *paidan.Plan {
			p := fixture.Plan()
			p.RunID = ""
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"unknown reason", func() *paidan.Plan {
			p := fixture.Plan()
			p.Unassigned[2].Reason = paidan.ReasonUnknown
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"reason beyond the codes", func() *paidan.Plan {
			p := fixture.Plan()
			p.Unassigned[0].Reason = paidan.Reason(200)
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"summary counts unknown reason", func() *paidan.Plan {
			p := fixture.Plan()
			p.KPIs.ByRegion[1].UnassignedByReason[paidan.ReasonUnknown] = 1
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"invalid UTF-8 detail", func() *paidan.Plan {
			p := fixture.Plan()
			p.Unassigned[1].Detail = "full \xff"
			return p
		}, parquet.Options{}, paidan.ErrInvalidUTF8},
		{"invalid UTF-8 worker", func() *paidan.Plan {
			p := fixture.Plan()
			p.Assignments[0].Worker = "w\xc3"
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"invalid UTF-8 region summary", func() *paidan.Plan {
			p := fixture.Plan()
			p.KPIs.ByRegion[0].Region = "\xfe"
			return p
		}, parquet.Options{}, parquet.ErrInvalidPlan},
		{"NaN mean cost", func() *paidan.Plan {
			p := fixture.Plan()
			p.KPIs.ByRegion[1].MeanCost = math.NaN()
			return p
		}, parquet.Options{}, paidan.ErrNotFinite},
		{"infinite distance", func() *paidan.Plan {
			p := fixture.Plan()
			p.Assignments[2].DistanceKm = math.Inf(1)
			return p
		}, parquet.Options{}, paidan.ErrNotFinite},
		{"NaN penalty", func() *paidan.Plan {
			p := fixture.Plan()
			p.Unassigned[4].Penalty = math.NaN()
			return p
		}, parquet.Options{}, paidan.ErrNotFinite},
		{"infinite objective", func() *paidan.Plan {
			p := fixture.Plan()
			p.Objective = math.Inf(-1)
			return p
		}, parquet.Options{}, paidan.ErrNotFinite},
		{"negative row group size", fixture.Plan, parquet.Options{RowGroupSize: -1}, parquet.ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			_, err := parquet.Write(context.Background(), dir, tt.plan(), tt.opts)
			wants := []error{tt.target}
			if tt.target != parquet.ErrInvalidOptions {
				wants = append(wants, parquet.ErrInvalidPlan)
			}
			for _, want := range wants {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("directory was created (stat err %v)", err)
			}
		})
	}
}

func TestSummaryHasColumnPerReason(t *testing.T) {
	t.Parallel()
	schema := parquetgo.SchemaOf(parquet.SummaryRow{})
	for _, r := range paidan.Reasons() {
		if _, ok := schema.Lookup("unassigned_" + r.String()); !ok {
			t.Errorf("summary has no column unassigned_%s", r)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts parquet.Options
		ok   bool
	}{
		{parquet.Options{}, true},
		{parquet.Options{RowGroupSize: 1}, true},
		{parquet.Options{RowGroupSize: -5}, false},
	} {
		err := tt.opts.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, parquet.ErrInvalidOptions)) {
			t.Errorf("Validate(%+v) = %v, want ok %v", tt.opts, err, tt.ok)
		}
	}
}

// TestWriteDictionaryFallback writes more distinct details than a
// dictionary holds, so that the column switches to PLAIN pages mid row
// group (the switch happens at a page boundary, after about 64k values),
// and reads every value back.
func TestWriteDictionaryFallback(t *testing.T) {
	t.Parallel()
	plan := fixture.Plan()
	base := plan.Unassigned[0]
	plan.Unassigned = nil
	for i := range 80_000 {
		u := base
		u.Task = paidan.TaskID(fmt.Sprintf("t%05d", i))
		u.Detail = fmt.Sprintf("%05d: no worker with skill forklift", i)
		plan.Unassigned = append(plan.Unassigned, u)
	}
	dir := t.TempDir()
	if _, err := parquet.Write(context.Background(), dir, plan, testOptions()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got := readRows[parquet.UnassignedRow](t, dir, parquet.UnassignedFile)
	if len(got) != len(plan.Unassigned) {
		t.Fatalf("read %d rows, want %d", len(got), len(plan.Unassigned))
	}
	for i, r := range got {
		if want := plan.Unassigned[i]; r.TaskID != string(want.Task) || r.Detail != want.Detail {
			t.Fatalf("row %d: %s %q, want %s %q", i, r.TaskID, r.Detail, want.Task, want.Detail)
		}
	}
	f := openFile(t, filepath.Join(dir, parquet.UnassignedFile))
	encodings := map[format.Encoding]bool{}
	for _, c := range f.Metadata().RowGroups[0].Columns {
		if c.MetaData.PathInSchema[0] != "detail" {
			continue
		}
		for _, s := range c.MetaData.EncodingStats {
			if s.PageType == format.DataPage {
				encodings[s.Encoding] = true
			}
		}
	}
	if !encodings[format.RLEDictionary] || !encodings[format.Plain] {
		t.Errorf("detail data page encodings = %v, want both RLE_DICTIONARY and PLAIN", encodings)
	}
	checkPages(t, filepath.Join(dir, parquet.UnassignedFile))
}
