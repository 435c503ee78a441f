// Package atomicdir writes files into a directory so that a reader, or the
// next run after a crash, never sees a half-written file: each file is
// written under a hidden temporary name, fsynced, renamed into place, and
// the directory fsynced so that the rename itself is durable.
//
// It is the one implementation of that protocol for the packages that
// write files (export/parquet, ingest/file). A multi-file export stages
// every file first and commits them afterwards:
//
//	s, err := atomicdir.Stage(dir, "a.parquet", fill, atomicdir.Options{})
//	...                              // stage the others
//	err = s.Commit()                 // rename into place
//	err = atomicdir.SyncDir(dir)     // make the renames durable
//
// or writes one file at once with WriteFile.
//
// What a crash leaves: before Commit, the previous file under the final
// name (if any) and possibly a hidden temporary file ("."+name+".*.tmp",
// never matched by a glob such as "*.parquet"); after Commit, the new
// complete file. RemoveStale deletes the temporary files a crash left.
package atomicdir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Default permissions: the owner writes, the owner's group reads (BI
// tools, the backup account), others nothing.
const (
	DefaultFileMode fs.FileMode = 0o640
	DefaultDirMode  fs.FileMode = 0o750
)

// Options tunes the writes. The zero value works.
type Options struct {
	// FileMode is the permission of the files written; zero means
	// DefaultFileMode. It is set with chmod, so the umask does not narrow
	// it.
	FileMode fs.FileMode
	// DirMode is the permission of the directories MkdirAll creates; zero
	// means DefaultDirMode (narrowed by the umask, as os.MkdirAll does).
	DirMode fs.FileMode
	// AfterStep, when set, is called after each step of a write with its
	// name: "created", "filled", "synced", "closed", "renamed",
	// "dir-synced". Tests use it to crash between steps; nil means no
	// calls.
	AfterStep func(step string)
}

func (o Options) fileMode() fs.FileMode {
	if o.FileMode == 0 {
		return DefaultFileMode
	}
	return o.FileMode
}

func (o Options) dirMode() fs.FileMode {
	if o.DirMode == 0 {
		return DefaultDirMode
	}
	return o.DirMode
}

func (o Options) step(name string) {
	if o.AfterStep != nil {
		o.AfterStep(name)
	}
}

// Staged is a complete, fsynced file waiting under its temporary name.
type Staged struct {
	dir, name string
	temp      string
	opts      Options
}

// Stage writes the file name in dir through fill (buffered) under a hidden
// temporary name, with Options.FileMode, fsyncs and closes it. On error the
// temporary file is removed and the error names the file. dir must exist.
func Stage(dir, name string, fill func(io.Writer) error, opts Options) (*Staged, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	s := &Staged{dir: dir, name: name, temp: f.Name(), opts: opts}
	opts.step("created")
	err = f.Chmod(opts.fileMode())
	if err == nil {
		bw := bufio.NewWriterSize(f, 1<<16)
		if err = fill(bw); err == nil {
			err = bw.Flush()
		}
	}
	if err == nil {
		opts.step("filled")
		err = f.Sync()
	}
	if err == nil {
		opts.step("synced")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("write %s: %w", name, err), removeIfExists(s.temp))
	}
	opts.step("closed")
	return s, nil
}

// Commit renames the staged file into place, replacing any file of that
// name. The directory still needs a SyncDir for the rename to survive a
// power loss.
func (s *Staged) Commit() error {
	if err := os.Rename(s.temp, filepath.Join(s.dir, s.name)); err != nil {
		return fmt.Errorf("rename %s into place: %w", s.name, err)
	}
	s.temp = ""
	s.opts.step("renamed")
	return nil
}

// Abort removes the staged file if it was not committed. It is safe to
// call after Commit and more than once.
func (s *Staged) Abort() error {
	if s == nil || s.temp == "" {
		return nil
	}
	err := removeIfExists(s.temp)
	s.temp = ""
	return err
}

// WriteFile writes the file name in dir through fill atomically: Stage,
// Commit, SyncDir. dir must exist.
func WriteFile(dir, name string, fill func(io.Writer) error, opts Options) error {
	s, err := Stage(dir, name, fill, opts)
	if err != nil {
		return err
	}
	if err := s.Commit(); err != nil {
		return errors.Join(err, s.Abort())
	}
	if err := SyncDir(dir); err != nil {
		return err
	}
	opts.step("dir-synced")
	return nil
}

// MkdirAll creates dir and its missing parents with Options.DirMode and
// fsyncs the parent of every directory it created, so that the new
// directories survive a power loss.
func MkdirAll(dir string, opts Options) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, opts.dirMode()); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := SyncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	return nil
}

// SyncDir fsyncs the directory dir, making its entries (created, renamed
// and removed files) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Remove removes the file name from dir if it exists, and fsyncs dir.
func Remove(dir, name string) error {
	if err := removeIfExists(filepath.Join(dir, name)); err != nil {
		return err
	}
	return SyncDir(dir)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
