package handover

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/paidan/paidan/backup"
	"github.com/paidan/paidan/internal/atomicdir"
)

// TablePlan is what the export does with one table of the catalog.
type TablePlan struct {
	Table    Table
	File     string            // NAME.parquet; empty when excluded
	Columns  []Column          // the columns written, in catalog order
	Excluded string            // why the table is not exported; empty when it is
	Omitted  map[string]string // column to why it is not exported
}

// Plan applies decisions (Policy, in production) to the tables of a
// snapshot. A table without a decision is excluded as unknown to this
// release; a decision's omitted column must exist, or the schema and the
// policy disagree and Plan refuses.
func Plan(tables []Table, decisions map[string]Decision) ([]TablePlan, error) {
	var out []TablePlan
	for _, t := range tables {
		d, ok := decisions[t.Name]
		p := TablePlan{Table: t, Omitted: map[string]string{}}
		switch {
		case !ok:
			p.Excluded = "not known to this paidan release (added by a newer schema); export it with the release that added it"
		case d.Exclude != "":
			p.Excluded = d.Exclude
		default:
			p.File = t.Name + ".parquet"
			for _, c := range t.Columns {
				if why, omit := d.Omit[c.Name]; omit {
					p.Omitted[c.Name] = why
					continue
				}
				p.Columns = append(p.Columns, c)
			}
			for name := range d.Omit {
				if _, ok := p.Omitted[name]; !ok {
					return nil, fmt.Errorf("table paidan.%s: the export policy omits column %s, which the table does not have", t.Name, name)
				}
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table.Name < out[j].Table.Name })
	return out, nil
}

// Options tunes Export. The zero value works.
type Options struct {
	Version  string              // paidan's version, recorded in the manifest
	FileMode fs.FileMode         // of every file; zero means 0o640 (the directory gets the search bits of its readers)
	Progress func(TablePlan)     // called before each exported table; nil: nothing
	Problem  func(string)        // called with each value not written as stored; nil: nothing
	Policy   map[string]Decision // nil means Policy()
}

// Export writes the export of src into out, which must not exist: one
// Parquet file per exported table, the data dictionary, and the manifest
// last, all in a hidden temporary directory renamed to out when complete.
// On error nothing is left at out.
func Export(ctx context.Context, src Source, out string, opts Options) (_ *Manifest, err error) {
	if opts.FileMode == 0 {
		opts.FileMode = 0o640
	}
	if opts.Policy == nil {
		opts.Policy = Policy()
	}
	snap := src.Snapshot()
	plan, err := Plan(snap.Tables, opts.Policy)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", out, err)
	}
	dir, err := atomicdir.CreateDir(out, atomicdir.Options{FileMode: opts.FileMode,
		DirMode: opts.FileMode | (opts.FileMode&0o444)>>2})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			dir.Abort()
		}
	}()
	m := &Manifest{Format: ManifestFormat, PaidanVersion: opts.Version, SnapshotAt: snap.At.UTC(),
		SchemaVersion: snap.SchemaVersion, ServerVersion: snap.ServerVersion, Problems: []string{}}
	problem := func(s string) {
		m.Problems = append(m.Problems, s)
		if opts.Problem != nil {
			opts.Problem(s)
		}
	}
	for _, p := range plan {
		mt := ManifestTable{Name: "paidan." + p.Table.Name, File: p.File, Excluded: p.Excluded}
		if len(p.Omitted) > 0 {
			mt.Omitted = p.Omitted
		}
		if p.Excluded == "" {
			if opts.Progress != nil {
				opts.Progress(p)
			}
			f, err := writeTable(ctx, src, dir, p, problem)
			if err != nil {
				return nil, fmt.Errorf("export %s: table paidan.%s: %w", out, p.Table.Name, err)
			}
			mt.Rows = f.rows
			m.Files = append(m.Files, f.File)
		}
		m.Tables = append(m.Tables, mt)
	}
	dict := NewDictionary(snap, plan)
	for _, d := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{DictionaryMarkdown, func(b *bytes.Buffer) error { return dict.WriteMarkdown(b) }},
		{DictionaryJSON, func(b *bytes.Buffer) error { return dict.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		if err := d.write(&b); err != nil {
			return nil, fmt.Errorf("export %s: %s: %w", out, d.name, err)
		}
		f, err := writeSmall(dir, d.name, b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", out, err)
		}
		m.Files = append(m.Files, f)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if _, err := writeSmall(dir, ManifestFile, append(b, '\n')); err != nil {
		return nil, fmt.Errorf("export %s: %w", out, err)
	}
	if err := dir.Commit(); err != nil {
		return nil, fmt.Errorf("export %s: %w", out, err)
	}
	return m, nil
}

type writtenTable struct {
	backup.File
	rows int64
}

// writeTable streams one table into its Parquet file.
func writeTable(ctx context.Context, src Source, dir *atomicdir.Dir, p TablePlan, problem func(string)) (writtenTable, error) {
	f, err := dir.Create(p.File)
	if err != nil {
		return writtenTable{}, err
	}
	tf, err := newTableFile(f, p.Table, p.Columns)
	if err != nil {
		f.Close()
		return writtenTable{}, err
	}
	if err := src.Rows(ctx, p.Table, p.Columns, tf.write, problem); err != nil {
		tf.f.Close()
		return writtenTable{}, err
	}
	rows, n, sum, err := tf.finish()
	if err != nil {
		return writtenTable{}, err
	}
	return writtenTable{File: backup.File{Name: p.File, Bytes: n, SHA256: sum}, rows: rows}, nil
}

// writeSmall writes a file held in memory (the dictionaries, the
// manifest) and syncs it.
func writeSmall(dir *atomicdir.Dir, name string, data []byte) (backup.File, error) {
	f, err := dir.Create(name)
	if err != nil {
		return backup.File{}, err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return backup.File{}, fmt.Errorf("%s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	return backup.File{Name: filepath.Base(name), Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, nil
}
