package parquet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/paidan/paidan"
)

// The files of a snapshot directory (CreateSnapshot), one per table, and
// its manifest.
const (
	SnapshotTaskFile       = "task.parquet"
	SnapshotWorkerFile     = "worker.parquet"
	SnapshotRunFile        = "run.parquet"
	SnapshotAssignmentFile = "assignment.parquet"
	SnapshotUnassignedFile = "unassigned.parquet"
)

// snapshotBatchRows is how many rows a snapshot table buffers before
// handing them to the Parquet writer, and snapshotRowGroupRows how many
// make a row group: together they bound a table's memory, whatever its size.
const (
	snapshotBatchRows    = 1024
	snapshotRowGroupRows = 16 * 1024
)

// Rows of the snapshot files: every column of the table, arrays as lists,
// times as UTC microsecond timestamps, NULL where the store had none.
type (
	// SnapshotTaskRow is one row of task.parquet.
	SnapshotTaskRow struct {
		ID             string     `parquet:"id"`
		Partition      string     `parquet:"partition,dict"`
		Region         string     `parquet:"region,dict"`
		Skills         []string   `parquet:"skills,list"`
		Priority       int64      `parquet:"priority"`
		Lat            float64    `parquet:"lat"`
		Lon            float64    `parquet:"lon"`
		CreatedAt      *time.Time `parquet:"created_at,optional,timestamp(microsecond)"`
		DueAt          *time.Time `parquet:"due_at,optional,timestamp(microsecond)"`
		PinnedWorker   *string    `parquet:"pinned_worker,optional"`
		PreviousWorker *string    `parquet:"previous_worker,optional"`
		Status         string     `parquet:"status,dict"`
		AssignedWorker *string    `parquet:"assigned_worker,optional"`
		AssignedRun    *string    `parquet:"assigned_run,optional"`
		Version        int64      `parquet:"version"`
		UpdatedAt      *time.Time `parquet:"updated_at,optional,timestamp(microsecond)"`
	}
	// SnapshotWorkerRow is one row of worker.parquet.
	SnapshotWorkerRow struct {
		ID            string     `parquet:"id"`
		Partition     string     `parquet:"partition,dict"`
		Regions       []string   `parquet:"regions,list"`
		Skills        []string   `parquet:"skills,list"`
		Capacity      int64      `parquet:"capacity"`
		Load          int64      `parquet:"load"`
		Active        bool       `parquet:"active"`
		Lat           float64    `parquet:"lat"`
		Lon           float64    `parquet:"lon"`
		ShiftStart    *time.Time `parquet:"shift_start,optional,timestamp(microsecond)"`
		ShiftEnd      *time.Time `parquet:"shift_end,optional,timestamp(microsecond)"`
		MaxDistanceKm float64    `parquet:"max_distance_km"`
		Version       int64      `parquet:"version"`
		UpdatedAt     *time.Time `parquet:"updated_at,optional,timestamp(microsecond)"`
	}
	// SnapshotRunRow is one row of run.parquet; kpis is the JSON text.
	SnapshotRunRow struct {
		ID             string     `parquet:"id"`
		Partition      string     `parquet:"partition,dict"`
		StartedAt      *time.Time `parquet:"started_at,optional,timestamp(microsecond)"`
		FinishedAt     *time.Time `parquet:"finished_at,optional,timestamp(microsecond)"`
		Status         string     `parquet:"status,dict"`
		RulesHash      *string    `parquet:"rules_hash,optional"`
		InputHash      *string    `parquet:"input_hash,optional"`
		Objective      float64    `parquet:"objective"`
		ObjectiveUnits int64      `parquet:"objective_units"`
		DualBound      int64      `parquet:"dual_bound"`
		Certificate    string     `parquet:"certificate,dict"`
		KPIs           *string    `parquet:"kpis,optional"`
		Assigned       int64      `parquet:"assigned"`
		Conflicts      int64      `parquet:"conflicts"`
		Error          *string    `parquet:"error,optional"`
	}
	// SnapshotAssignmentRow is one row of assignment.parquet.
	SnapshotAssignmentRow struct {
		RunID         string     `parquet:"run_id,dict"`
		TaskID        string     `parquet:"task_id"`
		WorkerID      string     `parquet:"worker_id,dict"`
		DistanceKm    float64    `parquet:"distance_km"`
		CostTravel    float64    `parquet:"cost_travel"`
		CostBalance   float64    `parquet:"cost_balance"`
		CostStability float64    `parquet:"cost_stability"`
		CostTotal     float64    `parquet:"cost_total"`
		Pinned        bool       `parquet:"pinned"`
		Active        bool       `parquet:"active"`
		CreatedAt     *time.Time `parquet:"created_at,optional,timestamp(microsecond)"`
	}
	// SnapshotUnassignedRow is one row of unassigned.parquet.
	SnapshotUnassignedRow struct {
		RunID     string     `parquet:"run_id,dict"`
		TaskID    string     `parquet:"task_id"`
		Reason    string     `parquet:"reason,dict"`
		Detail    string     `parquet:"detail,dict"`
		CreatedAt *time.Time `parquet:"created_at,optional,timestamp(microsecond)"`
	}
)

// SnapshotManifest describes a snapshot directory; it is written last.
type SnapshotManifest struct {
	SnapshotAt    time.Time      `json:"snapshot_at"` // the reading transaction's time
	PaidanVersion string         `json:"paidan_version"`
	Files         []SnapshotFile `json:"files"`
	// Problems lists, one line each, the values that were not written as
	// stored (a time out of range written as NULL, bytes that are not
	// UTF-8 replaced by U+FFFD); empty when every value was.
	Problems []string `json:"problems,omitempty"`
}

// SnapshotFile is one file of a snapshot.
type SnapshotFile struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// SnapshotWriter writes a snapshot directory: one Parquet file per table,
// streamed row by row, and the manifest, all into a hidden temporary
// directory beside the target that Commit renames into place. It is not
// safe for concurrent use.
type SnapshotWriter struct {
	out, tmp   string
	Task       *SnapshotTable[paidan.TaskRecord, SnapshotTaskRow]
	Worker     *SnapshotTable[paidan.WorkerRecord, SnapshotWorkerRow]
	Run        *SnapshotTable[paidan.RunRecord, SnapshotRunRow]
	Assignment *SnapshotTable[paidan.AssignmentRecord, SnapshotAssignmentRow]
	Unassigned *SnapshotTable[paidan.UnassignedRecord, SnapshotUnassignedRow]
}

// CreateSnapshot starts a snapshot that Commit will place at out, which must
// not exist. Files are created with permission perm (zero means 0o640) and
// the directory with perm plus the search bits of its readers. Until Commit,
// everything is written into a hidden .NAME.tmp-* directory beside out,
// which Abort removes (a killed process may leave it behind; it is safe to
// delete).
func CreateSnapshot(out string, perm fs.FileMode) (_ *SnapshotWriter, err error) {
	if perm == 0 {
		perm = 0o640
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, fmt.Errorf("snapshot %s: %w", out, fs.ErrExist)
	}
	out = filepath.Clean(out)
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", out, err)
	}
	w := &SnapshotWriter{out: out, tmp: tmp}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	if err := os.Chmod(tmp, perm|(perm&0o444)>>2); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", out, err)
	}
	if w.Task, err = newSnapshotTable(tmp, SnapshotTaskFile, perm, snapshotTaskRow); err != nil {
		return nil, err
	}
	if w.Worker, err = newSnapshotTable(tmp, SnapshotWorkerFile, perm, snapshotWorkerRow); err != nil {
		return nil, err
	}
	if w.Run, err = newSnapshotTable(tmp, SnapshotRunFile, perm, snapshotRunRow); err != nil {
		return nil, err
	}
	if w.Assignment, err = newSnapshotTable(tmp, SnapshotAssignmentFile, perm, snapshotAssignmentRow); err != nil {
		return nil, err
	}
	if w.Unassigned, err = newSnapshotTable(tmp, SnapshotUnassignedFile, perm, snapshotUnassignedRow); err != nil {
		return nil, err
	}
	return w, nil
}

// Abort closes the files and removes the temporary directory.
func (w *SnapshotWriter) Abort() {
	for _, t := range []interface{ abort() }{w.Task, w.Worker, w.Run, w.Assignment, w.Unassigned} {
		if t != nil {
			t.abort()
		}
	}
	os.RemoveAll(w.tmp)
}

// Commit finishes every file, writes the manifest (with at, version and
// problems), syncs everything and renames the directory to its target. On
// error nothing is left at the target and the temporary directory is
// removed.
func (w *SnapshotWriter) Commit(at time.Time, version string, problems []string) (_ *SnapshotManifest, err error) {
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	m := &SnapshotManifest{SnapshotAt: at.UTC(), PaidanVersion: version, Problems: problems}
	for _, t := range []interface{ finish() (SnapshotFile, error) }{w.Task, w.Worker, w.Run, w.Assignment, w.Unassigned} {
		f, err := t.finish()
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", w.out, err)
		}
		m.Files = append(m.Files, f)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mf, err := os.OpenFile(filepath.Join(w.tmp, ManifestFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", w.out, err)
	}
	_, err = mf.Write(append(data, '\n'))
	if err == nil {
		err = mf.Sync()
	}
	if err = errors.Join(err, mf.Close()); err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest: %w", w.out, err)
	}
	if err := syncDirectory(w.tmp); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", w.out, err)
	}
	if err := os.Rename(w.tmp, w.out); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", w.out, err)
	}
	return m, syncDirectory(filepath.Dir(w.out))
}

// SnapshotTable streams the rows of one table into its Parquet file; Rec is
// the record a store reads, Row the Parquet row it becomes.
type SnapshotTable[Rec, Row any] struct {
	name  string
	f     *os.File
	hash  hash.Hash
	count *snapshotCounter
	pw    *parquetgo.GenericWriter[Row]
	conv  func(*Rec) Row
	buf   []Row
	rows  int64
}

func newSnapshotTable[Rec, Row any](dir, name string, perm fs.FileMode, conv func(*Rec) Row) (*SnapshotTable[Rec, Row], error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, err)
	}
	t := &SnapshotTable[Rec, Row]{name: name, f: f, hash: sha256.New(), conv: conv,
		buf: make([]Row, 0, snapshotBatchRows)}
	t.count = &snapshotCounter{w: io.MultiWriter(f, t.hash)}
	t.pw = parquetgo.NewGenericWriter[Row](t.count, parquetgo.Compression(&zstd.Codec{}),
		parquetgo.MaxRowsPerRowGroup(snapshotRowGroupRows))
	return t, nil
}

// Write adds one record. Its memory is released in batches of rows: a
// table of any size holds at most one row group in memory.
func (t *SnapshotTable[Rec, Row]) Write(r *Rec) error {
	t.buf = append(t.buf, t.conv(r))
	if len(t.buf) == cap(t.buf) {
		return t.flush()
	}
	return nil
}

func (t *SnapshotTable[Rec, Row]) flush() error {
	if len(t.buf) == 0 {
		return nil
	}
	if _, err := t.pw.Write(t.buf); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	t.rows += int64(len(t.buf))
	clear(t.buf)
	t.buf = t.buf[:0]
	return nil
}

func (t *SnapshotTable[Rec, Row]) finish() (SnapshotFile, error) {
	f := SnapshotFile{Name: t.name}
	err := t.flush()
	if err == nil {
		err = t.pw.Close()
	}
	if err == nil {
		err = t.f.Sync()
	}
	if err = errors.Join(err, t.f.Close()); err != nil {
		return f, fmt.Errorf("write %s: %w", t.name, err)
	}
	f.Rows, f.Bytes, f.SHA256 = t.rows, t.count.n, hex.EncodeToString(t.hash.Sum(nil))
	return f, nil
}

func (t *SnapshotTable[Rec, Row]) abort() { t.f.Close() }

type snapshotCounter struct {
	w io.Writer
	n int64
}

func (c *snapshotCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// syncDirectory syncs a directory so that the entries made in it last.
func syncDirectory(dir string) error {
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

// optTime and optString map a missing value (zero, empty) to NULL.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func snapshotTaskRow(r *paidan.TaskRecord) SnapshotTaskRow {
	return SnapshotTaskRow{ID: r.ID, Partition: r.Partition, Region: r.Region, Skills: nonNilList(r.Skills),
		Priority: r.Priority, Lat: r.Lat, Lon: r.Lon, CreatedAt: optTime(r.CreatedAt), DueAt: optTime(r.DueAt),
		PinnedWorker: optString(r.PinnedWorker), PreviousWorker: optString(r.PreviousWorker), Status: r.Status,
		AssignedWorker: optString(r.AssignedWorker), AssignedRun: optString(r.AssignedRun), Version: r.Version,
		UpdatedAt: optTime(r.UpdatedAt)}
}

func snapshotWorkerRow(r *paidan.WorkerRecord) SnapshotWorkerRow {
	return SnapshotWorkerRow{ID: r.ID, Partition: r.Partition, Regions: nonNilList(r.Regions), Skills: nonNilList(r.Skills),
		Capacity: r.Capacity, Load: r.Load, Active: r.Active, Lat: r.Lat, Lon: r.Lon,
		ShiftStart: optTime(r.ShiftStart), ShiftEnd: optTime(r.ShiftEnd), MaxDistanceKm: r.MaxDistanceKm,
		Version: r.Version, UpdatedAt: optTime(r.UpdatedAt)}
}

func snapshotRunRow(r *paidan.RunRecord) SnapshotRunRow {
	return SnapshotRunRow{ID: r.ID, Partition: r.Partition, StartedAt: optTime(r.StartedAt), FinishedAt: optTime(r.FinishedAt),
		Status: r.Status, RulesHash: optString(r.RulesHash), InputHash: optString(r.InputHash), Objective: r.Objective,
		ObjectiveUnits: r.ObjectiveUnits, DualBound: r.DualBound, Certificate: r.Certificate, KPIs: optString(r.KPIs),
		Assigned: r.Assigned, Conflicts: r.Conflicts, Error: optString(r.Error)}
}

func snapshotAssignmentRow(r *paidan.AssignmentRecord) SnapshotAssignmentRow {
	return SnapshotAssignmentRow{RunID: r.RunID, TaskID: r.TaskID, WorkerID: r.WorkerID, DistanceKm: r.DistanceKm,
		CostTravel: r.CostTravel, CostBalance: r.CostBalance, CostStability: r.CostStability, CostTotal: r.CostTotal,
		Pinned: r.Pinned, Active: r.Active, CreatedAt: optTime(r.CreatedAt)}
}

func snapshotUnassignedRow(r *paidan.UnassignedRecord) SnapshotUnassignedRow {
	return SnapshotUnassignedRow{RunID: r.RunID, TaskID: r.TaskID, Reason: r.Reason, Detail: r.Detail,
		CreatedAt: optTime(r.CreatedAt)}
}
