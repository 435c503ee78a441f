// Package parquet adapts jobs.Exporter to export/parquet: every applied
// run goes into a Hive-style tree under one root,
//
//	<root>/date=YYYY-MM-DD/run=<run id>/{assignments,unassigned,workers,summary}.parquet, manifest.json
//
// where the date is the plan's AsOf in UTC. DuckDB reads every run at once:
//
//	SELECT date, run, count(*) FROM read_parquet('<root>/*/*/assignments.parquet', hive_partitioning = true)
//	GROUP BY ALL;
package parquet

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/paidan/paidan"
	export "github.com/paidan/paidan/export/parquet"
)

// Hive exports plans into a Hive-style tree under Root (required).
// Options are passed to export/parquet.Write; their zero value works. Safe
// for concurrent use on plans of different runs.
type Hive struct {
	Root    string
	Options export.Options
}

// safeRunID is what a run id must look like to become a directory name.
var safeRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)

// Dir returns the directory of plan's run under root.
func Dir(root string, plan *paidan.Plan) string {
	return filepath.Join(root, "date="+plan.AsOf.UTC().Format("2006-01-02"), "run="+plan.RunID)
}

// Export writes plan into Dir(h.Root, plan) and returns the directory. A
// run id that is not a safe directory name (letters, digits, '.', '_',
// '-', not starting with '.', at most 200 bytes) is refused.
func (h *Hive) Export(ctx context.Context, plan *paidan.Plan) (string, error) {
	if h.Root == "" {
		return "", fmt.Errorf("export run %s: no export root", plan.RunID)
	}
	if !safeRunID.MatchString(plan.RunID) {
		return "", fmt.Errorf("export run %q: run id is not a safe directory name", plan.RunID)
	}
	dir := Dir(h.Root, plan)
	if _, err := export.Write(ctx, dir, plan, h.Options); err != nil {
		return "", err
	}
	return dir, nil
}
