// Package parquet adapts jobs.Exporter to export/parquet: every applied
// run goes into a Hive-style tree under one root,
//
//	<root>/date=YYYY-MM-DD/run=<run id>/{assignments,unassigned,workers,summary}.parquet, manifest.json
//
// where the date is the plan's AsOf in UTC. DuckDB reads every run at once:
//
//	SELECT date, run, count(*) FROM read_parquet('<root>/*/*/assignments.parquet', hive_partitioning = true)
//	GROUP BY ALL;
//
// Files are written 0640 and directories 0750 unless configured otherwise,
// and a retention (Keep, MaxAge) removes old runs after each export.
package parquet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"time"

	"github.com/paidan/paidan"
	export "github.com/paidan/paidan/export/parquet"
)

// Default permissions of what Export creates: the owner writes, its group
// (the analysts' or the BI tool's) reads, others nothing.
const (
	DefaultFileMode fs.FileMode = 0o640
	DefaultDirMode  fs.FileMode = 0o750
)

// Hive exports plans into a Hive-style tree under Root (required).
// Options are passed to export/parquet.Write; their zero value works. Safe
// for concurrent use on plans of different runs.
type Hive struct {
	Root    string
	Options export.Options
	// FileMode is the permission of every file written. Zero means
	// DefaultFileMode (0640).
	FileMode fs.FileMode
	// DirMode is the permission of the date= and run= directories (and of
	// Root when Export creates it). Zero means DefaultDirMode (0750).
	DirMode fs.FileMode
	// Keep is how many runs to keep: after each export, the oldest runs
	// beyond the newest Keep are removed. Zero means all.
	Keep int
	// MaxAge removes, after each export, every run exported longer ago.
	// Zero means no limit.
	MaxAge time.Duration
	// Now is the clock of MaxAge. Nil means time.Now.
	Now func() time.Time
}

// safeRunID is what a run id must look like to become a directory name.
var safeRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)

// Dir returns the directory of plan's run under root.
func Dir(root string, plan *paidan.Plan) string {
	return filepath.Join(root, "date="+plan.AsOf.UTC().Format("2006-01-02"), "run="+plan.RunID)
}

// Export writes plan into Dir(h.Root, plan) and returns the directory,
// then applies the retention. A run id that is not a safe directory name
// (letters, digits, '.', '_', '-', not starting with '.', at most 200
// bytes) is refused. The run's directory is created with DirMode before any
// file is written into it, so that no other user can read a file before
// it has its FileMode.
func (h *Hive) Export(ctx context.Context, plan *paidan.Plan) (string, error) {
	if h.Root == "" {
		return "", fmt.Errorf("export run %s: no export root", plan.RunID)
	}
	if !safeRunID.MatchString(plan.RunID) {
		return "", fmt.Errorf("export run %q: run id is not a safe directory name", plan.RunID)
	}
	dir := Dir(h.Root, plan)
	if err := h.mkdirs(dir); err != nil {
		return "", fmt.Errorf("export run %s: %w", plan.RunID, err)
	}
	if _, err := export.Write(ctx, dir, plan, h.Options); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("export run %s: %w", plan.RunID, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.Chmod(filepath.Join(dir, e.Name()), h.fileMode()); err != nil {
				return "", fmt.Errorf("export run %s: %w", plan.RunID, err)
			}
		}
	}
	if err := h.prune(dir); err != nil {
		return dir, fmt.Errorf("export retention under %s: %w", h.Root, err)
	}
	return dir, nil
}

func (h *Hive) fileMode() fs.FileMode {
	if h.FileMode == 0 {
		return DefaultFileMode
	}
	return h.FileMode
}

func (h *Hive) dirMode() fs.FileMode {
	if h.DirMode == 0 {
		return DefaultDirMode
	}
	return h.DirMode
}

// mkdirs creates Root (if missing), the date= and the run= directory with
// DirMode, whatever the umask.
func (h *Hive) mkdirs(dir string) error {
	for _, d := range []string{h.Root, filepath.Dir(dir), dir} {
		err := os.Mkdir(d, h.dirMode())
		switch {
		case errors.Is(err, fs.ErrNotExist) && d == h.Root:
			if err = os.MkdirAll(d, h.dirMode()); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
			if d == h.Root {
				continue // the operator's directory: its mode is theirs
			}
		case err != nil:
			return err
		}
		if err := os.Chmod(d, h.dirMode()); err != nil {
			return err
		}
	}
	return nil
}

// Pattern of the directories the retention may remove; nothing else under
// Root is ever touched.
var (
	dateDir = regexp.MustCompile(`^date=\d{4}-\d{2}-\d{2}$`)
	runDir  = regexp.MustCompile(`^run=[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)
)

// exported is one run directory and when it was exported (its manifest's
// modification time: the manifest is written last).
type exported struct {
	dir string
	at  time.Time
}

// prune removes the runs that Keep and MaxAge let go, never keep (the run
// just exported), and date= directories left empty.
func (h *Hive) prune(keep string) error {
	if h.Keep <= 0 && h.MaxAge <= 0 {
		return nil
	}
	runs, err := h.runs()
	if err != nil {
		return err
	}
	slices.SortFunc(runs, func(a, b exported) int { return b.at.Compare(a.at) }) // newest first
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	var errs []error
	for i, r := range runs {
		tooMany := h.Keep > 0 && i >= h.Keep
		tooOld := h.MaxAge > 0 && now.Sub(r.at) > h.MaxAge
		if r.dir == keep || !(tooMany || tooOld) {
			continue
		}
		if err := os.RemoveAll(r.dir); err != nil {
			errs = append(errs, err)
			continue
		}
		// Remove the date= directory once its last run is gone.
		if err := os.Remove(filepath.Dir(r.dir)); err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runs lists the run directories under Root.
func (h *Hive) runs() ([]exported, error) {
	dates, err := os.ReadDir(h.Root)
	if err != nil {
		return nil, err
	}
	var out []exported
	for _, d := range dates {
		if !d.IsDir() || !dateDir.MatchString(d.Name()) {
			continue
		}
		runs, err := os.ReadDir(filepath.Join(h.Root, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if !r.IsDir() || !runDir.MatchString(r.Name()) {
				continue
			}
			dir := filepath.Join(h.Root, d.Name(), r.Name())
			st, err := os.Stat(filepath.Join(dir, export.ManifestFile))
			if err != nil {
				// No manifest: an export that is being written (or died);
				// judge it by its directory.
				if st, err = os.Stat(dir); err != nil {
					continue
				}
			}
			out = append(out, exported{dir: dir, at: st.ModTime()})
		}
	}
	return out, nil
}
