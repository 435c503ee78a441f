package parquet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/atomicdir"
)

// SchemaVersion is the version of the file layout this package writes. It
// grows by one whenever a column is added, removed or changes meaning; it is
// recorded in every file's metadata and in the manifest.
const SchemaVersion = 2

// DefaultRowGroupSize is the row-group bound used when
// Options.RowGroupSize is zero.
const DefaultRowGroupSize = 128 * 1024

// Names of the files Write creates in its directory.
const (
	AssignmentsFile = "assignments.parquet"
	UnassignedFile  = "unassigned.parquet"
	WorkersFile     = "workers.parquet"
	SummaryFile     = "summary.parquet"
	PotentialsFile  = "potentials.parquet"
	ManifestFile    = "manifest.json"
)

// Key-value metadata keys set on every Parquet file.
const (
	MetaRunID         = "paidan.run_id"
	MetaPartition     = "paidan.partition"
	MetaRulesHash     = "paidan.rules_hash"
	MetaVersion       = "paidan.version"
	MetaSchemaVersion = "paidan.schema_version"
)

// Errors returned by Write, wrapped; check them with errors.Is.
var (
	// ErrInvalidOptions reports an Options value that Validate rejects.
	ErrInvalidOptions = errors.New("parquet: invalid options")
	// ErrInvalidPlan reports a plan that cannot be exported: nil, without a
	// run id, with a reason that has no stable code, with a string that is
	// not valid UTF-8 (the error also wraps paidan.ErrInvalidUTF8) or with
	// a NaN or infinite number (the error also wraps paidan.ErrNotFinite).
	ErrInvalidPlan = errors.New("parquet: invalid plan")
)

// Options tunes Write. The zero value is ready to use.
type Options struct {
	// RowGroupSize bounds the number of rows in each row group. Zero means
	// DefaultRowGroupSize; negative values are invalid. A file holds at
	// most 32767 row groups, so tiny sizes fail on large plans.
	RowGroupSize int
	// Version is the paidan version recorded in the metadata and manifest,
	// e.g. the CLI's build version. Empty means "unknown".
	Version string
	// Now returns the time recorded as the manifest's WrittenAt. Nil means
	// time.Now.
	Now func() time.Time
	// FileMode and DirMode are the permissions of the files and
	// directories Write creates; zero means atomicdir.DefaultFileMode
	// (0640) and atomicdir.DefaultDirMode (0750).
	FileMode, DirMode fs.FileMode
}

func (o Options) atomic() atomicdir.Options {
	return atomicdir.Options{FileMode: o.FileMode, DirMode: o.DirMode}
}

// Validate reports whether o is usable, wrapping ErrInvalidOptions if not.
func (o Options) Validate() error {
	if o.RowGroupSize < 0 {
		return fmt.Errorf("%w: RowGroupSize %d is negative", ErrInvalidOptions, o.RowGroupSize)
	}
	return nil
}

func (o Options) rowGroupSize() int {
	if o.RowGroupSize == 0 {
		return DefaultRowGroupSize
	}
	return o.RowGroupSize
}

func (o Options) version() string {
	if o.Version == "" {
		return "unknown"
	}
	return o.Version
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Manifest describes one export directory. It is written as manifest.json,
// after every data file is complete and in place.
type Manifest struct {
	SchemaVersion int       `json:"schema_version"`
	RunID         string    `json:"run_id"`
	Partition     string    `json:"partition"`
	PaidanVersion string    `json:"paidan_version"`
	RulesHash     string    `json:"rules_hash"`
	InputHash     string    `json:"input_hash"`
	AsOf          time.Time `json:"as_of"` // the plan's AsOf in UTC, truncated to microseconds
	// AsOfUnixNano is the plan's AsOf to the nanosecond, as the input hash
	// counts it.
	AsOfUnixNano int64     `json:"as_of_unix_nano"`
	WrittenAt    time.Time `json:"written_at"` // Options.Now at the end of the write, in UTC
	Files        []File    `json:"files"`      // the data files, in the order written
}

// File describes one data file of an export.
type File struct {
	Name   string `json:"name"`   // base name, e.g. "assignments.parquet"
	Rows   int64  `json:"rows"`   // number of rows
	Bytes  int64  `json:"bytes"`  // file size
	SHA256 string `json:"sha256"` // hex SHA-256 of the file's bytes
}

// Write exports plan as five Parquet files and a manifest into dir. It
// creates dir and its parents if needed (Options.DirMode), and syncs the
// parent of every directory it creates. dir is any
// path the caller chooses, e.g. a Hive-style "date=2026-11-26/run=<id>"
// under an export root.
//
// The files are AssignmentsFile, UnassignedFile, WorkersFile, SummaryFile
// and PotentialsFile (see the row types for their columns), with rows in plan
// order, zstd compression, data pages of version 1, row groups of at most
// Options.RowGroupSize rows, and the Meta* key-value metadata. Their bytes
// depend only on the plan, Options.RowGroupSize and Options.Version.
//
// Write is atomic per directory: every file is written to a hidden
// temporary file in dir, synced, and renamed into place; an existing
// manifest.json is removed before the first rename, and the new one is
// written last, followed by a sync of dir. A reader that sees manifest.json
// therefore sees complete files matching it. On error no temporary file
// remains. An error before the renames (bad input, ctx, a failed write)
// leaves dir as it was, so a previous export in it stays complete; an
// error during them leaves dir without manifest.json. ctx is checked
// between batches of rows until the renames start; after that Write
// finishes.
//
// The error wraps ErrInvalidOptions, ErrInvalidPlan, ctx.Err() or the
// failing file operation. Concurrent calls on different directories are
// safe; concurrent calls on the same directory are not.
func Write(ctx context.Context, dir string, plan *paidan.Plan, opts Options) (*Manifest, error) {
	m, err := write(ctx, dir, plan, opts)
	if err != nil {
		return nil, fmt.Errorf("export parquet to %s: %w", dir, err)
	}
	return m, nil
}

func write(ctx context.Context, dir string, plan *paidan.Plan, opts Options) (_ *Manifest, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := validatePlan(plan); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ao := opts.atomic()
	if err := atomicdir.MkdirAll(dir, ao); err != nil {
		return nil, err
	}

	config := []parquetgo.WriterOption{
		parquetgo.Compression(&zstd.Codec{}),
		parquetgo.DataPageVersion(1),
		parquetgo.MaxRowsPerRowGroup(int64(opts.rowGroupSize())),
		parquetgo.DictionaryMaxBytes(dictionaryMaxBytes),
		parquetgo.KeyValueMetadata(MetaRunID, plan.RunID),
		parquetgo.KeyValueMetadata(MetaPartition, plan.Partition),
		parquetgo.KeyValueMetadata(MetaRulesHash, plan.RulesHash),
		parquetgo.KeyValueMetadata(MetaVersion, opts.version()),
		parquetgo.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(SchemaVersion)),
	}
	var staged []stagedFile
	defer func() {
		if err != nil {
			for _, s := range staged {
				err = errors.Join(err, s.staged.Abort())
			}
		}
	}()
	stage := func(s stagedFile, err error) error {
		if s.staged != nil {
			staged = append(staged, s)
		}
		return err
	}
	if err := stage(writeTemp(ctx, dir, AssignmentsFile, plan.Assignments, assignmentRow, plan, config, ao)); err != nil {
		return nil, err
	}
	if err := stage(writeTemp(ctx, dir, UnassignedFile, plan.Unassigned, unassignedRow, plan, config, ao)); err != nil {
		return nil, err
	}
	if err := stage(writeTemp(ctx, dir, WorkersFile, plan.Workers, workerRow, plan, config, ao)); err != nil {
		return nil, err
	}
	summary := summaryRows(plan)
	if err := stage(writeTemp(ctx, dir, SummaryFile, summary, identity, plan, config, ao)); err != nil {
		return nil, err
	}
	if err := stage(writeTemp(ctx, dir, PotentialsFile, potentialRows(plan), identity, plan, config, ao)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Commit: from here on ctx is not consulted.
	if err := atomicdir.Remove(dir, ManifestFile); err != nil {
		return nil, err
	}
	m := &Manifest{
		SchemaVersion: SchemaVersion,
		RunID:         plan.RunID,
		Partition:     plan.Partition,
		PaidanVersion: opts.version(),
		RulesHash:     plan.RulesHash,
		InputHash:     plan.InputHash,
		AsOf:          asOf(plan),
		AsOfUnixNano:  asOfNano(plan),
	}
	for _, s := range staged {
		if err := s.staged.Commit(); err != nil {
			return nil, err
		}
		m.Files = append(m.Files, s.file)
	}
	if err := atomicdir.SyncDir(dir); err != nil {
		return nil, err
	}
	m.WrittenAt = opts.now().UTC()
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicdir.WriteFile(dir, ManifestFile, func(w io.Writer) error {
		_, err := w.Write(append(manifest, '\n'))
		return err
	}, ao); err != nil {
		return nil, err
	}
	return m, nil
}

// asOfNano returns the plan's AsOf in Unix nanoseconds, 0 for a zero AsOf.
func asOfNano(p *paidan.Plan) int64 {
	if p.AsOf.IsZero() {
		return 0
	}
	return p.AsOf.UnixNano()
}

// asOf returns the plan's AsOf as the files store it.
func asOf(p *paidan.Plan) time.Time { return p.AsOf.UTC().Truncate(time.Microsecond) }

// validatePlan checks what Write relies on before any file is created:
// every reason has a code, every string is valid UTF-8 (Parquet STRING
// columns must be) and every number is finite (a NaN would poison BI
// aggregates).
func validatePlan(p *paidan.Plan) error {
	if p == nil {
		return fmt.Errorf("%w: nil plan", ErrInvalidPlan)
	}
	if p.RunID == "" {
		return fmt.Errorf("%w: empty run id", ErrInvalidPlan)
	}
	var probe SummaryRow
	known := func(r paidan.Reason) bool { return probe.reasonCount(r) != nil }
	check := func(what string, i int, ss []string, fs []float64) error {
		for _, s := range ss {
			if !utf8.ValidString(s) {
				return fmt.Errorf("%w: %s %d: %q: %w", ErrInvalidPlan, what, i, s, paidan.ErrInvalidUTF8)
			}
		}
		for _, f := range fs {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%w: %s %d: %v: %w", ErrInvalidPlan, what, i, f, paidan.ErrNotFinite)
			}
		}
		return nil
	}
	if err := check("plan", 0,
		[]string{p.RunID, p.Partition, p.Solver.Algorithm, p.RulesHash, p.InputHash},
		[]float64{p.Objective, p.Resolution}); err != nil {
		return err
	}
	for i := range p.Assignments {
		a := &p.Assignments[i]
		if err := check("assignment", i,
			[]string{string(a.Task), string(a.Worker), a.Region},
			[]float64{a.DistanceKm, a.Cost.Travel, a.Cost.Balance, a.Cost.Stability}); err != nil {
			return err
		}
	}
	for i := range p.Unassigned {
		u := &p.Unassigned[i]
		if !known(u.Reason) {
			return fmt.Errorf("%w: unassigned task %q: reason %d has no code", ErrInvalidPlan, u.Task, u.Reason)
		}
		if err := check("unassigned", i, []string{string(u.Task), u.Region, u.Detail}, []float64{u.Penalty}); err != nil {
			return err
		}
	}
	for i := range p.Workers {
		w := &p.Workers[i]
		if err := check("worker", i, []string{string(w.Worker), w.Region}, nil); err != nil {
			return err
		}
	}
	summaries := append([]paidan.RegionSummary{{Summary: p.KPIs.Overall}}, p.KPIs.ByRegion...)
	for i, r := range summaries {
		if err := check("summary row", i, []string{r.Region},
			[]float64{r.TotalCost, r.MeanCost, r.DistanceP50, r.DistanceP90, r.UtilizationP50, r.UtilizationP90}); err != nil {
			return err
		}
		for reason := range r.UnassignedByReason {
			if !known(reason) {
				return fmt.Errorf("%w: summary row %d counts reason %d, which has no code", ErrInvalidPlan, i, reason)
			}
		}
	}
	return nil
}

// stagedFile is a complete data file waiting under its temporary name.
type stagedFile struct {
	staged *atomicdir.Staged // nil if none was created
	file   File
}

// dictionaryMaxBytes bounds each dictionary-encoded column's dictionary
// per row group, as parquet-mr's default dictionary page size does; past
// it, the column continues in PLAIN encoding.
const dictionaryMaxBytes = 1 << 20

// batchRows is the number of rows converted and handed to the Parquet
// writer at a time; ctx is checked once per batch.
const batchRows = 4096

func identity[T any](_ *paidan.Plan, row *T) T { return *row }

// writeTemp writes one Parquet file of the rows toRow makes from items to a
// temporary file in dir.
func writeTemp[In, Row any](ctx context.Context, dir, name string, items []In,
	toRow func(*paidan.Plan, *In) Row, plan *paidan.Plan, config []parquetgo.WriterOption, ao atomicdir.Options) (stagedFile, error) {
	s, err := writeTempFile(dir, name, func(out io.Writer) error {
		w := parquetgo.NewGenericWriter[Row](out, config...)
		batch := make([]Row, 0, min(batchRows, len(items)))
		for start := 0; start < len(items); start += batchRows {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch = batch[:0]
			for i := start; i < min(start+batchRows, len(items)); i++ {
				batch = append(batch, toRow(plan, &items[i]))
			}
			if _, err := w.Write(batch); err != nil {
				return err
			}
		}
		return w.Close()
	}, ao)
	s.file.Rows = int64(len(items))
	return s, err
}

// writeTempFile stages the file name in dir (atomicdir.Stage), filled by
// fill, and describes its content: size and SHA-256.
func writeTempFile(dir, name string, fill func(io.Writer) error, ao atomicdir.Options) (stagedFile, error) {
	h := &hashWriter{h: sha256.New()}
	st, err := atomicdir.Stage(dir, name, func(w io.Writer) error {
		h.w = w
		return fill(h)
	}, ao)
	if err != nil {
		return stagedFile{}, err
	}
	return stagedFile{staged: st, file: File{Name: name, Bytes: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}}, nil
}

// hashWriter passes writes on to w, hashing and counting the bytes.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}
