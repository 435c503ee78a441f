package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir is a directory written whole or not at all: its files go into a
// hidden temporary directory beside the target ("."+base+".tmp-*"), which
// Commit fsyncs and renames into place. A crash before Commit leaves no
// target, only the temporary directory, which is safe to delete.
type Dir struct {
	target, tmp string
	opts        Options
}

// CreateDir starts writing the directory target, which must not exist
// (fs.ErrExist otherwise). The temporary directory gets Options.DirMode.
func CreateDir(target string, opts Options) (*Dir, error) {
	target = filepath.Clean(target)
	if _, err := os.Lstat(target); err == nil {
		return nil, fmt.Errorf("%s: %w", target, fs.ErrExist)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, opts.dirMode()); err != nil {
		return nil, errors.Join(err, os.RemoveAll(tmp))
	}
	return &Dir{target: target, tmp: tmp, opts: opts}, nil
}

// Path is the temporary directory to write the files into.
func (d *Dir) Path() string { return d.tmp }

// Create creates the file name in the temporary directory with
// Options.FileMode (set with chmod, so the umask does not narrow it).
// The caller writes, syncs and closes it.
func (d *Dir) Create(name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(d.tmp, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, d.opts.fileMode())
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(d.opts.fileMode()); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return f, nil
}

// Commit fsyncs the temporary directory, renames it to the target and
// fsyncs the target's parent, so that the whole directory survives a
// power loss. After Commit, Abort does nothing.
func (d *Dir) Commit() error {
	if err := SyncDir(d.tmp); err != nil {
		return err
	}
	if err := os.Rename(d.tmp, d.target); err != nil {
		return fmt.Errorf("rename %s into place: %w", d.target, err)
	}
	d.tmp = ""
	d.opts.step("renamed")
	if err := SyncDir(filepath.Dir(d.target)); err != nil {
		return err
	}
	d.opts.step("dir-synced")
	return nil
}

// Abort removes the temporary directory and everything in it if the
// directory was not committed. It is safe to call after Commit and more
// than once.
func (d *Dir) Abort() error {
	if d == nil || d.tmp == "" {
		return nil
	}
	err := os.RemoveAll(d.tmp)
	d.tmp = ""
	return err
}
