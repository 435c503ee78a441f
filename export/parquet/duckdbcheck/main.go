// Command duckdbcheck checks that DuckDB reads a directory written by
// github.com/paidan/paidan/export/parquet exactly as documented:
//
//	duckdbcheck DIR
//
// It verifies the manifest against the files (names, byte sizes, SHA-256),
// then for every file has DuckDB describe it and compares the column names
// and types with the documented schema, counts the rows, scans every value,
// reads the key-value metadata and the compression codec, and finally runs
// the sample aggregations from the README, cross-checking them against
// summary.parquet. It prints what it does to stdout and exits 1 on any
// mismatch, listing all of them.
//
// It lives in its own module so that the cgo DuckDB driver is linked only
// here, never into paidan itself.
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "duckdbcheck:", err)
		os.Exit(1)
	}
}

// errMismatch is wrapped by the error run returns when DuckDB sees the
// files differently from the documentation.
var errMismatch = errors.New("DuckDB does not read the export as documented")

// schemaVersion is the export schema version this check knows.
const schemaVersion = 2

type column struct{ name, duckType string }

type fileSchema struct {
	name    string
	columns []column
}

// expectedSchema is the documented schema of each file, in DuckDB types.
// Keep it in step with the README section written from
// notes/readme-parquet.md.
func expectedSchema() []fileSchema {
	return []fileSchema{
		{"assignments.parquet", []column{
			{"run_id", "VARCHAR"}, {"task_id", "VARCHAR"}, {"worker_id", "VARCHAR"},
			{"region", "VARCHAR"}, {"priority", "BIGINT"}, {"distance_km", "DOUBLE"},
			{"cost_travel", "DOUBLE"}, {"cost_balance", "DOUBLE"}, {"cost_stability", "DOUBLE"},
			{"cost_total", "DOUBLE"}, {"cost_travel_units", "BIGINT"}, {"cost_balance_units", "BIGINT"},
			{"cost_stability_units", "BIGINT"}, {"cost_total_units", "BIGINT"}, {"pinned", "BOOLEAN"},
		}},
		{"unassigned.parquet", []column{
			{"run_id", "VARCHAR"}, {"task_id", "VARCHAR"}, {"region", "VARCHAR"},
			{"priority", "BIGINT"}, {"reason", "VARCHAR"}, {"reason_code", "BIGINT"},
			{"detail", "VARCHAR"}, {"penalty", "DOUBLE"}, {"penalty_units", "BIGINT"},
		}},
		{"workers.parquet", []column{
			{"run_id", "VARCHAR"}, {"worker_id", "VARCHAR"}, {"region", "VARCHAR"},
			{"capacity", "BIGINT"}, {"current_load", "BIGINT"}, {"assigned", "BIGINT"},
			{"utilization", "DOUBLE"},
		}},
		{"summary.parquet", []column{
			{"run_id", "VARCHAR"}, {"partition", "VARCHAR"}, {"scope", "VARCHAR"},
			{"region", "VARCHAR"}, {"as_of", "TIMESTAMP WITH TIME ZONE"},
			{"tasks", "BIGINT"}, {"workers", "BIGINT"}, {"assigned", "BIGINT"}, {"unassigned", "BIGINT"},
			{"unassigned_no_skill", "BIGINT"}, {"unassigned_no_region", "BIGINT"},
			{"unassigned_out_of_range", "BIGINT"}, {"unassigned_outside_shift", "BIGINT"},
			{"unassigned_no_capacity", "BIGINT"}, {"unassigned_cheaper_unassigned", "BIGINT"},
			{"unassigned_pinned_infeasible", "BIGINT"},
			{"total_cost", "DOUBLE"}, {"total_cost_units", "BIGINT"}, {"mean_cost", "DOUBLE"},
			{"distance_p50", "DOUBLE"}, {"distance_p90", "DOUBLE"},
			{"utilization_p50", "DOUBLE"}, {"utilization_p90", "DOUBLE"},
			{"objective", "DOUBLE"}, {"objective_units", "BIGINT"}, {"dual_bound", "BIGINT"},
			{"resolution", "DOUBLE"}, {"certificate", "VARCHAR"}, {"solver_algorithm", "VARCHAR"},
			{"solver_nodes", "BIGINT"}, {"solver_arcs", "BIGINT"}, {"solver_iterations", "BIGINT"},
			{"solve_seconds", "DOUBLE"}, {"rules_hash", "VARCHAR"}, {"input_hash", "VARCHAR"},
		}},
		{"potentials.parquet", []column{
			{"run_id", "VARCHAR"}, {"node", "BIGINT"}, {"potential", "BIGINT"},
		}},
	}
}

// manifest is the part of manifest.json the check relies on.
type manifest struct {
	SchemaVersion int    `json:"schema_version"`
	RunID         string `json:"run_id"`
	Partition     string `json:"partition"`
	PaidanVersion string `json:"paidan_version"`
	RulesHash     string `json:"rules_hash"`
	Files         []struct {
		Name   string `json:"name"`
		Rows   int64  `json:"rows"`
		Bytes  int64  `json:"bytes"`
		SHA256 string `json:"sha256"`
	} `json:"files"`
}

// checker collects mismatches instead of stopping at the first.
type checker struct {
	db       *sql.DB
	dir      string
	out      io.Writer
	problems []string
}

func (c *checker) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.problems = append(c.problems, msg)
	fmt.Fprintln(c.out, "  MISMATCH:", msg)
}

func (c *checker) logf(format string, args ...any) {
	fmt.Fprintf(c.out, format+"\n", args...)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: duckdbcheck DIR")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("open DuckDB: %w", err)
	}
	defer db.Close()
	c := &checker{db: db, dir: args[0], out: stdout}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return fmt.Errorf("query DuckDB version: %w", err)
	}
	c.logf("DuckDB %s reading %s", version, c.dir)
	if err := c.check(ctx); err != nil {
		return err
	}
	if len(c.problems) > 0 {
		return fmt.Errorf("%w: %d mismatches:\n  %s", errMismatch, len(c.problems), strings.Join(c.problems, "\n  "))
	}
	c.logf("ok: every file and column reads as documented")
	return nil
}

// check runs every check. It returns an error only when the manifest
// cannot be read; mismatches, including queries DuckDB fails, go to
// c.problems.
func (c *checker) check(ctx context.Context) error {
	m, err := c.checkManifest()
	if err != nil {
		return err
	}
	for _, fs := range expectedSchema() {
		c.logf("%s:", fs.name)
		if err := c.checkFile(ctx, m, fs); err != nil {
			c.failf("%s: DuckDB cannot read it: %v", fs.name, err)
		}
	}
	c.logf("sample aggregations:")
	if err := c.checkAggregates(ctx); err != nil {
		c.failf("sample aggregations fail: %v", err)
	}
	return nil
}

func (c *checker) path(name string) string { return filepath.Join(c.dir, name) }

// lit quotes s as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// checkManifest reads manifest.json and compares it with the files.
func (c *checker) checkManifest() (*manifest, error) {
	c.logf("manifest.json:")
	b, err := os.ReadFile(c.path("manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode manifest.json: %w", err)
	}
	if m.SchemaVersion != schemaVersion {
		c.failf("manifest schema_version %d, this check knows %d", m.SchemaVersion, schemaVersion)
	}
	var names, want []string
	for _, f := range m.Files {
		names = append(names, f.Name)
		data, err := os.ReadFile(c.path(f.Name))
		if err != nil {
			c.failf("%s: %v", f.Name, err)
			continue
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256 {
			c.failf("%s: manifest says %d bytes sha256 %s, file has %d bytes sha256 %x",
				f.Name, f.Bytes, f.SHA256, len(data), sum)
		}
	}
	for _, fs := range expectedSchema() {
		want = append(want, fs.name)
	}
	if !slices.Equal(names, want) {
		c.failf("manifest lists %v, want %v", names, want)
	}
	c.logf("  run %s, schema version %d, paidan %s, %d files, sizes and SHA-256 checked",
		m.RunID, m.SchemaVersion, m.PaidanVersion, len(m.Files))
	return &m, nil
}

// checkFile compares one file's schema, row count, values, metadata and
// codec with the documentation and the manifest.
func (c *checker) checkFile(ctx context.Context, m *manifest, fs fileSchema) error {
	src := "read_parquet(" + lit(c.path(fs.name)) + ")"

	got, err := queryStrings(ctx, c.db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+src+")")
	if err != nil {
		return err
	}
	var gotCols []column
	for _, r := range got {
		gotCols = append(gotCols, column{r[0], r[1]})
	}
	if !slices.Equal(gotCols, fs.columns) {
		c.failf("%s: DESCRIBE gives %v, want %v", fs.name, gotCols, fs.columns)
	} else {
		c.logf("  DESCRIBE: %d columns with the documented names and types", len(gotCols))
	}

	// Scanning every value proves that DuckDB decodes every page.
	rows, err := c.db.QueryContext(ctx, "SELECT * FROM "+src)
	if err != nil {
		return err
	}
	var n int64
	vals := make([]any, len(gotCols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, f := range m.Files {
		if f.Name == fs.name && f.Rows != n {
			c.failf("%s: DuckDB reads %d rows, manifest says %d", fs.name, n, f.Rows)
		}
	}
	c.logf("  SELECT *: %d rows, every value decoded", n)

	kv, err := queryStrings(ctx, c.db, "SELECT decode(key), decode(value) FROM parquet_kv_metadata("+lit(c.path(fs.name))+")")
	if err != nil {
		return err
	}
	meta := map[string]string{}
	for _, r := range kv {
		meta[r[0]] = r[1]
	}
	for k, want := range map[string]string{
		"paidan.run_id":         m.RunID,
		"paidan.partition":      m.Partition,
		"paidan.rules_hash":     m.RulesHash,
		"paidan.version":        m.PaidanVersion,
		"paidan.schema_version": fmt.Sprint(schemaVersion),
	} {
		if got, ok := meta[k]; !ok || got != want {
			c.failf("%s: metadata %s = %q (present %v), want %q", fs.name, k, got, ok, want)
		}
	}
	c.logf("  parquet_kv_metadata: paidan.* keys match the manifest")

	codecs, err := queryStrings(ctx, c.db,
		"SELECT compression::VARCHAR, count(DISTINCT row_group_id)::VARCHAR FROM parquet_metadata("+lit(c.path(fs.name))+") GROUP BY ALL")
	if err != nil {
		return err
	}
	if n > 0 && (len(codecs) != 1 || codecs[0][0] != "ZSTD") {
		c.failf("%s: compression %v, want ZSTD only", fs.name, codecs)
	} else if n > 0 {
		c.logf("  parquet_metadata: ZSTD in %s row groups", codecs[0][1])
	}
	return nil
}

// checkAggregates runs the README's sample queries and cross-checks them
// with summary.parquet.
func (c *checker) checkAggregates(ctx context.Context) error {
	file := func(name string) string { return "read_parquet(" + lit(c.path(name)) + ")" }

	byReason, err := queryStrings(ctx, c.db, "SELECT reason, count(*)::VARCHAR FROM "+file("unassigned.parquet")+" GROUP BY reason ORDER BY reason")
	if err != nil {
		return err
	}
	c.logf("  unassigned by reason: %v", byReason)
	for _, r := range byReason {
		var want string
		err := c.db.QueryRowContext(ctx, fmt.Sprintf(
			"SELECT %s::VARCHAR FROM %s WHERE scope = 'overall'", "unassigned_"+r[0], file("summary.parquet"))).Scan(&want)
		if err != nil {
			c.failf("summary has no count for reason %s: %v", r[0], err)
		} else if want != r[1] {
			c.failf("reason %s: %s unassigned rows, summary says %s", r[0], r[1], want)
		}
	}

	byRegion, err := queryStrings(ctx, c.db, `
		SELECT s.region, s.assigned::VARCHAR, coalesce(a.n, 0)::VARCHAR, s.unassigned::VARCHAR, coalesce(u.n, 0)::VARCHAR
		FROM `+file("summary.parquet")+` s
		LEFT JOIN (SELECT region, count(*) n FROM `+file("assignments.parquet")+` GROUP BY region) a USING (region)
		LEFT JOIN (SELECT region, count(*) n FROM `+file("unassigned.parquet")+` GROUP BY region) u USING (region)
		WHERE s.scope = 'region' ORDER BY s.region`)
	if err != nil {
		return err
	}
	c.logf("  per region [region, summary assigned, assignments rows, summary unassigned, unassigned rows]: %v", byRegion)
	for _, r := range byRegion {
		if r[1] != r[2] || r[3] != r[4] {
			c.failf("region %s: summary says %s assigned and %s unassigned, files hold %s and %s", r[0], r[1], r[3], r[2], r[4])
		}
	}

	// In exact units the objective is the sum of the components written
	// beside each row, to the unit.
	var objective, totalUnits, costUnits, parts, penaltyUnits int64
	err = c.db.QueryRowContext(ctx, `
		SELECT (SELECT objective_units FROM `+file("summary.parquet")+` WHERE scope = 'overall'),
		       (SELECT total_cost_units FROM `+file("summary.parquet")+` WHERE scope = 'overall'),
		       (SELECT coalesce(sum(cost_total_units), 0) FROM `+file("assignments.parquet")+`),
		       (SELECT coalesce(sum(cost_travel_units + cost_balance_units + cost_stability_units), 0) FROM `+file("assignments.parquet")+`),
		       (SELECT coalesce(sum(penalty_units), 0) FROM `+file("unassigned.parquet")+`)`).Scan(&objective, &totalUnits, &costUnits, &parts, &penaltyUnits)
	if err != nil {
		return err
	}
	c.logf("  total cost units: objective %d, summary %d, assignments %d (components %d) + penalties %d", objective, totalUnits, costUnits, parts, penaltyUnits)
	if objective != costUnits+penaltyUnits || totalUnits != objective || parts != costUnits {
		c.failf("objective_units %d, total_cost_units %d; files add up to %d + %d (components %d)", objective, totalUnits, costUnits, penaltyUnits, parts)
	}
	return nil
}

// queryStrings runs a query whose columns are all VARCHAR.
func queryStrings(ctx context.Context, db *sql.DB, query string) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		r := make([]string, len(cols))
		ptrs := make([]any, len(r))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
