package runsnap

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/internal/atomicdir"
)

// Format names the archive layout Pack writes: a tar of the run
// directory's files but run.json (the database's run record holds the
// claim), each already zstd-compressed Parquet but the manifest and
// rules.yaml.
const Format = "rundir-tar/1"

// MaxArchiveBytes bounds what Unpack extracts: a run of a million tasks
// packs to well under it.
const MaxArchiveBytes = 4 << 30

// packFiles are the files of a run directory an archive may hold, by
// their slash-separated names: no other name is ever extracted.
var packFiles = []string{
	parquet.ManifestFile, parquet.AssignmentsFile, parquet.UnassignedFile, parquet.WorkersFile,
	parquet.SummaryFile, parquet.PotentialsFile,
	InputDir + "/" + TasksFile, InputDir + "/" + WorkersFile, InputDir + "/" + RulesFile,
}

// Pack returns the run's input and plan as one archive (Format): the run
// directory WriteInput and export/parquet.Write make, written to a
// temporary directory under tmpDir ("" for os.TempDir()) and removed
// after. version is the paidan version recorded in the plan's files.
// Equal arguments give equal bytes.
func Pack(ctx context.Context, b *paidan.Batch, rules paidan.Rules, plan *paidan.Plan, version, tmpDir string) ([]byte, error) {
	dir, err := os.MkdirTemp(tmpDir, "paidan-runsnap-")
	if err != nil {
		return nil, fmt.Errorf("pack run %s: %w", plan.RunID, err)
	}
	defer os.RemoveAll(dir)
	if err := writeInput(ctx, filepath.Join(dir, InputDir), b, rules, 0); err != nil {
		return nil, fmt.Errorf("pack run %s: %w", plan.RunID, err)
	}
	// A fixed write time: the archive depends on the run alone.
	at := plan.AsOf
	if _, err := parquet.Write(ctx, dir, plan, parquet.Options{Version: version, Now: func() time.Time { return at }}); err != nil {
		return nil, fmt.Errorf("pack run %s: %w", plan.RunID, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range packFiles {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pack run %s: %w", plan.RunID, err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unpack writes the archive data (Format) and run.json for run into the
// run directory dir, which must not exist: whole or not at all
// (internal/atomicdir.Dir). Only the names a run directory has are
// extracted; any other entry, a link, or more than MaxArchiveBytes fails
// with an error wrapping ErrUnreadable. perm is the files' mode (zero:
// 0640).
func Unpack(data []byte, run Run, dir string, perm fs.FileMode) (err error) {
	d, err := atomicdir.CreateDir(dir, atomicdir.Options{FileMode: perm})
	if err != nil {
		return fmt.Errorf("unpack run %s: %w", run.RunID, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, d.Abort())
		}
	}()
	if err := os.Mkdir(filepath.Join(d.Path(), InputDir), 0o750); err != nil {
		return err
	}
	tr := tar.NewReader(bytes.NewReader(data))
	var total int64
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: run %s archive: %w", ErrUnreadable, run.RunID, err)
		}
		known := false
		for _, n := range packFiles {
			known = known || n == h.Name
		}
		total += h.Size
		switch {
		case !known || strings.Contains(h.Name, ".."):
			return fmt.Errorf("%w: run %s archive holds %q, not a file of a run directory", ErrUnreadable, run.RunID, h.Name)
		case h.Typeflag != tar.TypeReg:
			return fmt.Errorf("%w: run %s archive: %s is not a regular file", ErrUnreadable, run.RunID, h.Name)
		case seen[h.Name]:
			return fmt.Errorf("%w: run %s archive holds %s twice", ErrUnreadable, run.RunID, h.Name)
		case h.Size < 0 || total > MaxArchiveBytes:
			return fmt.Errorf("%w: run %s archive is larger than %d bytes", ErrUnreadable, run.RunID, int64(MaxArchiveBytes))
		}
		seen[h.Name] = true
		f, err := d.Create(filepath.FromSlash(h.Name))
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, tr, h.Size)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			// A short or corrupt archive, not the disk's fault.
			err = fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpack run %s: %s: %w", run.RunID, h.Name, err)
		}
	}
	if !seen[parquet.ManifestFile] {
		return fmt.Errorf("%w: run %s archive has no %s", ErrUnreadable, run.RunID, parquet.ManifestFile)
	}
	if err := WriteRun(d.Path(), run, perm); err != nil {
		return err
	}
	if err := atomicdir.SyncDir(filepath.Join(d.Path(), InputDir)); err != nil {
		return err
	}
	return d.Commit()
}
