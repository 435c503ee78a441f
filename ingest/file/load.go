package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paidan/paidan"
)

// RulesFileName is the name of the optional rules file of a dataset.
const RulesFileName = "rules.yaml"

// ErrAmbiguousTable reports a dataset holding a table twice, as CSV and as
// Parquet (tasks.csv and tasks.parquet).
var ErrAmbiguousTable = errors.New("ingest/file: table present as both CSV and Parquet")

// Load reads the dataset in directory dir: tasks and workers (each as CSV
// or Parquet) and the optional rules.yaml. Everything is validated before
// Load returns.
//
// With Options.SkipInvalid unset, any invalid row fails the load: the error
// joins (errors.Join) up to Options.MaxErrors *paidan.InputError values,
// each naming file, line, column and column name and wrapping a paidan
// sentinel such as paidan.ErrDuplicateID. A missing table wraps
// fs.ErrNotExist. Errors that are not about the input (an unreadable file,
// ctx done) are returned as they are, wrapped.
//
// Load is safe for concurrent use on different or the same directories.
// It reads each table with one helper goroutine, which it stops before
// returning.
func Load(ctx context.Context, dir string, opts Options) (*Dataset, error) {
	ds, err := newLoader(ctx, opts).load(dir)
	if err != nil {
		return nil, fmt.Errorf("load dataset %s: %w", dir, err)
	}
	return ds, nil
}

// loader holds the state of one Load.
type loader struct {
	ctx     context.Context
	opts    Options
	in      *interner
	errs    []error
	skipped []*paidan.InputError
}

func newLoader(ctx context.Context, opts Options) *loader {
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = DefaultMaxErrors
	}
	return &loader{ctx: ctx, opts: opts, in: newInterner()}
}

// reject records a bad row: skipped, or counted against the error cap.
func (l *loader) reject(e *paidan.InputError) {
	if l.opts.SkipInvalid {
		l.skipped = append(l.skipped, e)
		return
	}
	l.errs = append(l.errs, e)
}

// full reports whether the strict error cap is reached.
func (l *loader) full() bool { return len(l.errs) >= l.opts.MaxErrors }

func (l *loader) load(dir string) (*Dataset, error) {
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no such dataset directory: %w", fs.ErrNotExist)
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, fmt.Errorf("not a directory; a dataset is a directory holding tasks and workers tables: %w", fs.ErrInvalid)
	}
	ds := &Dataset{Rules: paidan.DefaultRules()}
	rulesPath := filepath.Join(dir, RulesFileName)
	switch _, err := os.Stat(rulesPath); {
	case err == nil:
		ds.RulesFile = rulesPath
		if ds.Rules, err = LoadRules(rulesPath); err != nil {
			if _, ok := errors.AsType[*paidan.InputError](err); !ok {
				return nil, err
			}
			l.errs = append(l.errs, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}

	// An error that stops reading comes after the row errors found so far.
	ws, err := l.loadWorkers(dir)
	var tasks []paidan.Task
	if err == nil && !l.full() {
		tasks, err = l.loadTasks(dir, ws)
	}
	if err != nil || len(l.errs) > 0 {
		return nil, errors.Join(append(l.errs, err)...)
	}

	b := &paidan.Batch{AsOf: l.opts.AsOf.UTC(), Tasks: tasks, Workers: ws.list}
	if len(b.Tasks) == 0 {
		b.Tasks = nil
	}
	if len(b.Workers) == 0 {
		b.Workers = nil
	}
	if b.AsOf.IsZero() {
		for i := range tasks {
			if tasks[i].CreatedAt.After(b.AsOf) {
				b.AsOf = tasks[i].CreatedAt
			}
		}
	}
	ds.Batch = b
	ds.Skipped = l.skipped
	return ds, nil
}

// workerSet is the workers read so far and the ids of rejected rows.
type workerSet struct {
	source   string
	list     []paidan.Worker
	ids      *idSet         // the ids of list, in the same order
	rejected map[string]int // id → line of a rejected row
}

func (l *loader) loadWorkers(dir string) (*workerSet, error) {
	ws := &workerSet{ids: newIDSet(0), rejected: make(map[string]int)}
	size := func(n int) {
		ws.list = make([]paidan.Worker, 0, n)
		ws.ids = newIDSet(n)
	}
	var err error
	ws.source, err = l.scan(dir, workersTable(), size, func(r *row) {
		id := r.name(workerID, true)
		w := paidan.Worker{
			ID:            paidan.WorkerID(id),
			Regions:       r.names(workerRegions),
			Skills:        r.names(workerSkills),
			Capacity:      r.int(workerCapacity, true),
			Load:          r.int(workerLoad, false),
			Location:      paidan.Point{Lat: r.float(workerLat, true), Lon: r.float(workerLon, true)},
			ShiftStart:    r.time(workerShiftStart, false),
			ShiftEnd:      r.time(workerShiftEnd, false),
			MaxDistanceKm: r.float(workerMaxDistanceKm, false),
		}
		if r.err == nil {
			r.validate(paidan.ValidateWorker(&w))
		}
		dup := id != "" && ws.ids.find(id) >= 0
		if r.err == nil && dup {
			r.fail(workerID, duplicate(id, ws.ids))
		}
		switch {
		case r.err == nil:
			w.ID = paidan.WorkerID(strings.Clone(id))
			ws.ids.add(string(w.ID), r.line())
			ws.list = append(ws.list, w)
		case id != "" && !dup:
			if _, seen := ws.rejected[id]; !seen {
				ws.rejected[strings.Clone(id)] = r.line()
			}
		}
	})
	return ws, err
}

// duplicate returns the error for a row repeating id, which is in ids.
func duplicate(id string, ids *idSet) error {
	return fmt.Errorf("%q already on line %d: %w", id, ids.lines[ids.find(id)], paidan.ErrDuplicateID)
}

// ref resolves the worker id in column c of a task row: it returns the
// worker's own copy of the id when the worker was loaded, and otherwise
// fails the row if mustExist, or returns a copy.
func (ws *workerSet) ref(r *row, c int, mustExist bool) paidan.WorkerID {
	id := r.name(c, false)
	if id == "" {
		return ""
	}
	if i := ws.ids.find(id); i >= 0 {
		return ws.list[i].ID
	}
	if line, ok := ws.rejected[id]; ok && mustExist {
		r.fail(c, fmt.Errorf("worker %q was rejected (%s line %d): %w", id, ws.source, line, paidan.ErrUnknownRef))
		return ""
	}
	if mustExist {
		r.fail(c, fmt.Errorf("no worker %q in %s: %w", id, ws.source, paidan.ErrUnknownRef))
		return ""
	}
	return paidan.WorkerID(strings.Clone(id))
}

func (l *loader) loadTasks(dir string, ws *workerSet) ([]paidan.Task, error) {
	var tasks []paidan.Task
	var ids *idSet
	size := func(n int) {
		tasks = make([]paidan.Task, 0, n)
		ids = newIDSet(n)
	}
	_, err := l.scan(dir, tasksTable(), size, func(r *row) {
		id := r.name(taskID, true)
		t := paidan.Task{
			ID:             paidan.TaskID(id),
			Region:         r.in.name(r.name(taskRegion, true)),
			Skills:         r.names(taskSkills),
			Priority:       r.int(taskPriority, false),
			Location:       paidan.Point{Lat: r.float(taskLat, true), Lon: r.float(taskLon, true)},
			CreatedAt:      r.time(taskCreatedAt, true),
			DueAt:          r.time(taskDueAt, false),
			PinnedWorker:   ws.ref(r, taskPinnedWorker, true),
			PreviousWorker: ws.ref(r, taskPreviousWorker, false),
		}
		if r.err == nil {
			r.validate(paidan.ValidateTask(&t))
		}
		if r.err == nil && ids.find(id) >= 0 {
			r.fail(taskID, duplicate(id, ids))
		}
		if r.err == nil {
			t.ID = paidan.TaskID(strings.Clone(id))
			ids.add(string(t.ID), r.line())
			tasks = append(tasks, t)
		}
	})
	return tasks, err
}

// scan opens table t in dir, checks its header, calls size with an upper
// bound of its rows, and calls decode for every row; decode reports a bad
// row through r.fail. scan returns the file name
// it read, and an error only when reading cannot go on; bad rows go to
// l.reject. It stops early once the strict error cap is reached.
func (l *loader) scan(dir string, t table, size func(rows int), decode func(r *row)) (string, error) {
	source, recs, err := open(dir, t)
	if err != nil {
		return source, err
	}
	defer recs.Close()
	index, err := headerIndex(source, recs.headerLine, t, recs.header())
	if err != nil {
		return source, err
	}
	size(recs.rows())
	r := &row{source: source, t: &t, index: index, recs: recs, in: l.in}
	for n := 0; !l.full(); n++ {
		if n%4096 == 0 {
			if err := l.ctx.Err(); err != nil {
				return source, err
			}
		}
		rec, bad, err := recs.next()
		switch {
		case err == io.EOF:
			return source, nil
		case err != nil:
			return source, err
		case bad != nil:
			l.reject(bad)
			continue
		}
		r.rec, r.err = rec, nil
		decode(r)
		if r.err != nil {
			l.reject(r.err)
		}
	}
	return source, nil
}

// open finds table t in dir as CSV or Parquet and opens it. It returns the
// file name, used as the Source of errors.
func open(dir string, t table) (string, *records, error) {
	var found []Format
	for _, f := range []Format{CSV, Parquet} {
		switch _, err := os.Stat(filepath.Join(dir, t.name+f.ext())); {
		case err == nil:
			found = append(found, f)
		case !errors.Is(err, fs.ErrNotExist):
			return t.name + f.ext(), nil, err
		}
	}
	switch len(found) {
	case 0:
		return t.name + CSV.ext(), nil, &paidan.InputError{Source: t.name + CSV.ext(),
			Err: fmt.Errorf("no %s.csv or %s.parquet in the dataset: %w", t.name, t.name, fs.ErrNotExist)}
	case 2:
		return t.name + CSV.ext(), nil, &paidan.InputError{Source: t.name + CSV.ext(),
			Err: fmt.Errorf("both %s.csv and %s.parquet are in the dataset; keep one: %w", t.name, t.name, ErrAmbiguousTable)}
	}
	source := t.name + found[0].ext()
	f, err := os.Open(filepath.Join(dir, source))
	if err != nil {
		return source, nil, err
	}
	var recs *records
	if found[0] == Parquet {
		recs, err = openParquet(source, f)
	} else {
		recs, err = openCSV(source, f)
	}
	if err != nil {
		f.Close()
		return source, nil, err
	}
	return source, recs, nil
}

// headerIndex maps the columns of t to their positions in header, found on
// line (0 when not applicable) of source: every
// name must be a column of t, at most once, and every required column must
// be there. All header errors are returned, joined.
func headerIndex(source string, line int, t table, header []string) ([]int, error) {
	index := make([]int, len(t.columns))
	for i := range index {
		index[i] = -1
	}
	var errs []error
	for i, name := range header {
		c := slices.IndexFunc(t.columns, func(c column) bool { return c.name == name })
		switch {
		case c < 0:
			errs = append(errs, &paidan.InputError{Source: source, Line: line, Column: i + 1, Key: clip(name),
				Err: fmt.Errorf("unknown column, want one of %s: %w", columnNames(t), paidan.ErrUnknownKey)})
		case index[c] >= 0:
			errs = append(errs, &paidan.InputError{Source: source, Line: line, Column: i + 1, Key: name,
				Err: fmt.Errorf("column also at position %d: %w", index[c]+1, paidan.ErrDuplicateID)})
		default:
			index[c] = i
		}
	}
	for c, col := range t.columns {
		if col.required && index[c] < 0 {
			errs = append(errs, &paidan.InputError{Source: source, Line: line, Key: col.name, Err: paidan.ErrMissingColumn})
		}
	}
	return index, errors.Join(errs...)
}

func columnNames(t table) string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	return strings.Join(names, ",")
}
