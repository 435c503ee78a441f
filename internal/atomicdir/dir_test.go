package atomicdir_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/paidan/paidan/internal/atomicdir"
)

func TestDirCommit(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	target := filepath.Join(parent, "out")
	d, err := atomicdir.CreateDir(target, atomicdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Create("a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("target before Commit: %v; want it absent", err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(target, "a.txt"))
	if err != nil || string(got) != "hello" {
		t.Fatalf("after Commit: %q, %v; want hello", got, err)
	}
	fi, err := os.Stat(filepath.Join(target, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != atomicdir.DefaultFileMode {
		t.Errorf("file mode %v; want %v", m, atomicdir.DefaultFileMode)
	}
	di, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != atomicdir.DefaultDirMode {
		t.Errorf("directory mode %v; want %v", m, atomicdir.DefaultDirMode)
	}
	if err := d.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v; want nil", err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("Abort after Commit removed the target: %v", err)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("parent holds %d entries; want only the target", len(entries))
	}
}

func TestDirAbortAndExisting(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	target := filepath.Join(parent, "out")
	d, err := atomicdir.CreateDir(target, atomicdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create("a.txt"); err != nil {
		t.Fatal(err)
	}
	if err := d.Abort(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("after Abort the parent holds %v; want nothing", entries)
	}
	if err := os.Mkdir(target, 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := atomicdir.CreateDir(target, atomicdir.Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateDir over an existing directory: %v; want fs.ErrExist", err)
	}
}
