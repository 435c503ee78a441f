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
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/spf13/cobra"
)

func newExportCmd() *cobra.Command {
	var (
		db  *string
		out string
	)
	cmd := &cobra.Command{
		Use:   "export --out DIR",
		Short: "Export every table and run as Parquet with a checksummed manifest",
		Long: `Export writes the whole dispatch state, for a hand-over or an archive:
task.parquet, worker.parquet, run.parquet and assignment.parquet (every row
of each table, read from one consistent snapshot) and manifest.json (rows,
bytes and SHA-256 of each file, and the snapshot time), into DIR, which must
not exist yet.

The export is atomic: it is written into a temporary directory beside DIR,
the manifest last, synced, and renamed to DIR; an interrupted export leaves
no DIR (a killed one may leave a hidden .DIR.tmp-* beside it, safe to
delete). Array columns (skills, regions) are Parquet lists; times are UTC
timestamps in microseconds; run.kpis is the JSON text.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("--out is required")
			}
			if _, err := os.Lstat(out); err == nil {
				return usageErrorf("--out %s exists; export into a new directory", out)
			}
			ctx := cmd.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			m, err := exportAll(ctx, conn, out)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			for _, f := range m.Files {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d rows\t%d bytes\tsha256 %s\n", f.Name, f.Rows, f.Bytes, f.SHA256)
			}
			return nil
		},
	}
	db = addDBFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to create (required)")
	return cmd
}

// exportManifest describes a full export; it is written last.
type exportManifest struct {
	SnapshotAt    time.Time    `json:"snapshot_at"` // the export transaction's now()
	PaidanVersion string       `json:"paidan_version"`
	Files         []exportFile `json:"files"`
}

type exportFile struct {
	Name   string `json:"name"`
	Rows   int    `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Rows of the exported tables: scanned with the db tags, written with the
// parquet tags.
type (
	taskExport struct {
		ID             string         `db:"id" parquet:"id"`
		Partition      string         `db:"partition" parquet:"partition"`
		Region         string         `db:"region" parquet:"region"`
		Skills         pq.StringArray `db:"skills" parquet:"-"`
		SkillList      []string       `db:"-" parquet:"skills,list"`
		Priority       int64          `db:"priority" parquet:"priority"`
		Lat            float64        `db:"lat" parquet:"lat"`
		Lon            float64        `db:"lon" parquet:"lon"`
		CreatedAt      time.Time      `db:"created_at" parquet:"created_at,timestamp(microsecond)"`
		DueAt          *time.Time     `db:"due_at" parquet:"due_at,optional,timestamp(microsecond)"`
		PinnedWorker   *string        `db:"pinned_worker" parquet:"pinned_worker,optional"`
		PreviousWorker *string        `db:"previous_worker" parquet:"previous_worker,optional"`
		Status         string         `db:"status" parquet:"status"`
		AssignedWorker *string        `db:"assigned_worker" parquet:"assigned_worker,optional"`
		AssignedRun    *string        `db:"assigned_run" parquet:"assigned_run,optional"`
		Version        int64          `db:"version" parquet:"version"`
		UpdatedAt      time.Time      `db:"updated_at" parquet:"updated_at,timestamp(microsecond)"`
	}
	workerExport struct {
		ID            string         `db:"id" parquet:"id"`
		Partition     string         `db:"partition" parquet:"partition"`
		Regions       pq.StringArray `db:"regions" parquet:"-"`
		RegionList    []string       `db:"-" parquet:"regions,list"`
		Skills        pq.StringArray `db:"skills" parquet:"-"`
		SkillList     []string       `db:"-" parquet:"skills,list"`
		Capacity      int64          `db:"capacity" parquet:"capacity"`
		Load          int64          `db:"load" parquet:"load"`
		Active        bool           `db:"active" parquet:"active"`
		Lat           float64        `db:"lat" parquet:"lat"`
		Lon           float64        `db:"lon" parquet:"lon"`
		ShiftStart    *time.Time     `db:"shift_start" parquet:"shift_start,optional,timestamp(microsecond)"`
		ShiftEnd      *time.Time     `db:"shift_end" parquet:"shift_end,optional,timestamp(microsecond)"`
		MaxDistanceKm float64        `db:"max_distance_km" parquet:"max_distance_km"`
		Version       int64          `db:"version" parquet:"version"`
		UpdatedAt     time.Time      `db:"updated_at" parquet:"updated_at,timestamp(microsecond)"`
	}
	runExport struct {
		ID             string     `db:"id" parquet:"id"`
		Partition      string     `db:"partition" parquet:"partition"`
		StartedAt      time.Time  `db:"started_at" parquet:"started_at,timestamp(microsecond)"`
		FinishedAt     *time.Time `db:"finished_at" parquet:"finished_at,optional,timestamp(microsecond)"`
		Status         string     `db:"status" parquet:"status"`
		RulesHash      *string    `db:"rules_hash" parquet:"rules_hash,optional"`
		InputHash      *string    `db:"input_hash" parquet:"input_hash,optional"`
		Objective      float64    `db:"objective" parquet:"objective"`
		ObjectiveUnits int64      `db:"objective_units" parquet:"objective_units"`
		DualBound      int64      `db:"dual_bound" parquet:"dual_bound"`
		Certificate    string     `db:"certificate" parquet:"certificate"`
		KPIs           *string    `db:"kpis" parquet:"kpis,optional"`
		Assigned       int64      `db:"assigned" parquet:"assigned"`
		Conflicts      int64      `db:"conflicts" parquet:"conflicts"`
		Error          *string    `db:"error" parquet:"error,optional"`
	}
	assignmentExport struct {
		RunID         string    `db:"run_id" parquet:"run_id"`
		TaskID        string    `db:"task_id" parquet:"task_id"`
		WorkerID      string    `db:"worker_id" parquet:"worker_id"`
		DistanceKm    float64   `db:"distance_km" parquet:"distance_km"`
		CostTravel    float64   `db:"cost_travel" parquet:"cost_travel"`
		CostBalance   float64   `db:"cost_balance" parquet:"cost_balance"`
		CostStability float64   `db:"cost_stability" parquet:"cost_stability"`
		CostTotal     float64   `db:"cost_total" parquet:"cost_total"`
		Pinned        bool      `db:"pinned" parquet:"pinned"`
		Active        bool      `db:"active" parquet:"active"`
		CreatedAt     time.Time `db:"created_at" parquet:"created_at,timestamp(microsecond)"`
	}
)

// The export queries, one per table, in primary key order.
const (
	exportTaskSQL = `SELECT id, partition, region, skills, priority, lat, lon, created_at, due_at, pinned_worker,
	previous_worker, status, assigned_worker, assigned_run, version, updated_at FROM paidan.task ORDER BY id`
	exportWorkerSQL = `SELECT id, partition, regions, skills, capacity, load, active, lat, lon, shift_start, shift_end,
	max_distance_km, version, updated_at FROM paidan.worker ORDER BY id`
	exportRunSQL = `SELECT id, partition, started_at, finished_at, status, rules_hash, input_hash, objective,
	objective_units, dual_bound, certificate, kpis::text AS kpis, assigned, conflicts, error FROM paidan.run ORDER BY id`
	exportAssignmentSQL = `SELECT run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability,
	cost_total, pinned, active, created_at FROM paidan.assignment ORDER BY run_id, task_id`
)

// exportAll writes every table into out atomically and returns the
// manifest.
func exportAll(ctx context.Context, db *sqlx.DB, out string) (_ *exportManifest, err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(out)), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	m := &exportManifest{PaidanVersion: buildVersion()}
	if err := tx.GetContext(ctx, &m.SnapshotAt, `SELECT now()`); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m.SnapshotAt = m.SnapshotAt.UTC()
	add := func(f exportFile, err error) error {
		m.Files = append(m.Files, f)
		return err
	}
	if err := add(exportTable(ctx, tx, tmp, "task.parquet", exportTaskSQL, func(r *taskExport) {
		r.SkillList = r.Skills
	})); err != nil {
		return nil, err
	}
	if err := add(exportTable(ctx, tx, tmp, "worker.parquet", exportWorkerSQL, func(r *workerExport) {
		r.RegionList, r.SkillList = r.Regions, r.Skills
	})); err != nil {
		return nil, err
	}
	if err := add(exportTable(ctx, tx, tmp, "run.parquet", exportRunSQL, func(*runExport) {})); err != nil {
		return nil, err
	}
	if err := add(exportTable(ctx, tx, tmp, "assignment.parquet", exportAssignmentSQL, func(*assignmentExport) {})); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(tmp, "manifest.json"), func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	}); err != nil {
		return nil, err
	}
	if err := syncPath(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return m, syncPath(filepath.Dir(filepath.Clean(out)))
}

// exportTable writes the rows of query into dir/name as Parquet; fix
// prepares each scanned row for writing.
func exportTable[R any](ctx context.Context, tx *sqlx.Tx, dir, name, query string, fix func(*R)) (exportFile, error) {
	f := exportFile{Name: name}
	var rows []R
	if err := tx.SelectContext(ctx, &rows, query); err != nil {
		return f, fmt.Errorf("export %s: %w", name, err)
	}
	for i := range rows {
		fix(&rows[i])
	}
	h := sha256.New()
	var n int64
	err := writeSynced(filepath.Join(dir, name), func(w io.Writer) error {
		cw := &countWriter{w: io.MultiWriter(w, h)}
		pw := parquetgo.NewGenericWriter[R](cw, parquetgo.Compression(&zstd.Codec{}))
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
		n = cw.n
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("export %s: %w", name, err)
	}
	f.Rows, f.Bytes, f.SHA256 = len(rows), n, hex.EncodeToString(h.Sum(nil))
	return f, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeSynced creates path, fills it with write, and syncs it.
func writeSynced(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncPath syncs a directory, so that renames into it last.
func syncPath(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, fs.ErrInvalid) {
		err = nil // some file systems cannot sync directories
	}
	return errors.Join(err, d.Close())
}
