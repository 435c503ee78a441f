package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/export/parquet/internal/fixture"
)

// writeExport writes plan with export/parquet into a new directory, in row
// groups of rowGroupSize rows (0: the default).
func writeExport(t *testing.T, plan *paidan.Plan, rowGroupSize int) string {
	t.Helper()
	dir := t.TempDir()
	opts := parquet.Options{Version: "test", RowGroupSize: rowGroupSize}
	if _, err := parquet.Write(context.Background(), dir, plan, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunFixture(t *testing.T) {
	t.Parallel()
	dir := writeExport(t, fixture.Plan(), 2)
	var out bytes.Buffer
	if err := run(context.Background(), []string{dir}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"DESCRIBE: 15 columns", "DESCRIBE: 35 columns", "DESCRIBE: 3 columns",
		"total cost units: objective 444500, summary 444500, assignments 34500 (components 34500) + penalties 410000",
		"unassigned by reason: [[no_capacity 2] [no_skill 1] [out_of_range 1] [pinned_infeasible 1]]",
		"ok: every file and column reads as documented",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDuckDBValues reads fixture values through DuckDB, where its
// conversions (timestamps, NULLs, dictionary pages) could differ from
// parquet-go's.
func TestDuckDBValues(t *testing.T) {
	t.Parallel()
	dir := writeExport(t, fixture.Plan(), 2)
	db := openDuckDB(t)
	src := func(name string) string { return "read_parquet(" + lit(filepath.Join(dir, name)) + ")" }

	var asOf time.Time
	var region sql.NullString
	if err := db.QueryRow("SELECT as_of, region FROM "+src("summary.parquet")+" WHERE scope = 'overall'").Scan(&asOf, &region); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 26, 1, 30, 0, 123456000, time.UTC); !asOf.Equal(want) || region.Valid {
		t.Errorf("overall as_of, region = %v, %v; want %v, NULL", asOf, region, want)
	}

	tests := []struct {
		name, query, want string
	}{
		{"workers without region", "SELECT string_agg(worker_id, ',') FROM " + src("workers.parquet") + " WHERE region IS NULL", "w4"},
		{"reason codes", "SELECT string_agg(reason || '=' || reason_code, ',' ORDER BY task_id) FROM " + src("unassigned.parquet"),
			"no_skill=1,no_capacity=5,out_of_range=3,no_capacity=5,pinned_infeasible=7"},
		{"pinned", "SELECT string_agg(task_id, ',') FROM " + src("assignments.parquet") + " WHERE pinned", "t2"},
		{"cost by region", "SELECT string_agg(region || '=' || total, ',' ORDER BY region) FROM (SELECT region, sum(cost_total) total FROM " +
			src("assignments.parquet") + " GROUP BY region)", "north=10.0,south=24.5"},
		{"utilization", "SELECT string_agg(utilization::VARCHAR, ',' ORDER BY worker_id) FROM " + src("workers.parquet"), "0.5,1.0,0.25,0.0"},
		{"run", "SELECT DISTINCT run_id || ' ' || certificate || ' ' || solve_seconds FROM " + src("summary.parquet"), "run-20261126-0001 verified 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if err := db.QueryRow(tt.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// rehash updates the manifest entry of name after the test changed the
// file, so that the check goes past the checksum.
func rehash(t *testing.T, dir, name string) {
	t.Helper()
	path := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	for _, f := range m["files"].([]any) {
		f := f.(map[string]any)
		if f["name"] == name {
			f["bytes"], f["sha256"] = len(data), hex.EncodeToString(sum[:])
		}
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		plan   func() *paidan.Plan
		tamper func(t *testing.T, dir string)
		want   string // in the error
	}{
		{
			name: "file changed after the manifest",
			plan: fixture.Plan,
			tamper: func(t *testing.T, dir string) {
				f, err := os.OpenFile(filepath.Join(dir, "workers.parquet"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.Write([]byte{0}); err != nil {
					t.Fatal(err)
				}
			},
			want: "workers.parquet: manifest says",
		},
		{
			name: "column type and metadata differ",
			plan: fixture.Plan,
			tamper: func(t *testing.T, dir string) {
				path := filepath.Join(dir, "assignments.parquet")
				tmp := path + ".copy"
				db := openDuckDB(t)
				if _, err := db.Exec("COPY (SELECT * REPLACE (priority::INTEGER AS priority) FROM read_parquet(" + lit(path) +
					")) TO " + lit(tmp) + " (FORMAT parquet, COMPRESSION zstd)"); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, path); err != nil {
					t.Fatal(err)
				}
				rehash(t, dir, "assignments.parquet")
			},
			want: "assignments.parquet: DESCRIBE gives",
		},
		{
			name: "summary disagrees with the rows",
			plan: func() *paidan.Plan {
				p := fixture.Plan()
				p.KPIs.Overall.UnassignedByReason[paidan.NoSkill] = 2
				p.KPIs.ByRegion[1].Assigned = 0
				p.KPIs.Overall.TotalCost++
				return p
			},
			want: "reason no_skill: 1 unassigned rows, summary says 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeExport(t, tt.plan(), 2)
			if tt.tamper != nil {
				tt.tamper(t, dir)
			}
			var out bytes.Buffer
			err := run(context.Background(), []string{dir}, &out)
			if !errors.Is(err, errMismatch) {
				t.Fatalf("run: err = %v, want errMismatch\n%s", err, out.String())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error lacks %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	if err := run(context.Background(), nil, &bytes.Buffer{}); err == nil || errors.Is(err, errMismatch) {
		t.Errorf("run without a directory: err = %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{t.TempDir()}, &bytes.Buffer{}); err == nil || errors.Is(err, errMismatch) {
		t.Errorf("run on a directory without manifest: err = %v, want a read error", err)
	}
}

// TestDuckDBDictionaryFallback has DuckDB read a detail column that starts
// dictionary-encoded and continues in PLAIN pages within one column chunk.
func TestDuckDBDictionaryFallback(t *testing.T) {
	t.Parallel()
	const n = 80_000
	plan := fixture.Plan()
	base := plan.Unassigned[0]
	plan.Unassigned = nil
	for i := range n {
		u := base
		u.Task = paidan.TaskID(fmt.Sprintf("t%05d", i))
		u.Detail = fmt.Sprintf("%05d: no worker with skill forklift", i)
		plan.Unassigned = append(plan.Unassigned, u)
	}
	// Keep the summary in step so that the cross-checks hold.
	plan.KPIs.Overall.Unassigned = n
	plan.KPIs.Overall.UnassignedByReason = map[paidan.Reason]int{paidan.NoSkill: n}
	plan.KPIs.Overall.TotalCost = 34.5 + n*base.Penalty
	plan.KPIs.Overall.TotalCostUnits = 34500 + int64(n)*base.PenaltyUnits
	plan.ObjectiveUnits = plan.KPIs.Overall.TotalCostUnits
	plan.KPIs.ByRegion[0].Unassigned = n
	plan.KPIs.ByRegion[1].Unassigned = 0
	dir := writeExport(t, plan, 0)

	var out bytes.Buffer
	if err := run(context.Background(), []string{dir}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	var distinct int
	var last string
	err := openDuckDB(t).QueryRow("SELECT count(DISTINCT detail), max_by(detail, task_id) FROM read_parquet("+
		lit(filepath.Join(dir, "unassigned.parquet"))+")").Scan(&distinct, &last)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%05d: no worker with skill forklift", n-1); distinct != n || last != want {
		t.Errorf("DuckDB reads %d distinct details, last %q; want %d, %q", distinct, last, n, want)
	}
}
