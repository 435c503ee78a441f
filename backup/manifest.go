package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ManifestFormat names the format of manifest.json.
const ManifestFormat = "paidan-backup/1"

// The files of a backup directory.
const (
	ManifestFile     = "manifest.json"
	SchemaDumpFile   = "paidan.dump"
	VersionDumpFile  = "schema_version.dump"
	RolesFile        = "roles.sql"
	versionTable     = "public.paidan_schema_version"
	backupSchemaName = "paidan"
)

// ErrCorrupt means a backup directory does not match its manifest.
var ErrCorrupt = errors.New("backup: does not match its manifest")

// Manifest describes a backup. It is written last, so a directory with a
// manifest is complete.
type Manifest struct {
	Format        string           `json:"format"`
	PaidanVersion string           `json:"paidan_version"`
	CreatedAt     time.Time        `json:"created_at"` // the snapshot transaction's start, UTC
	Database      string           `json:"database"`
	ServerVersion string           `json:"server_version"`
	SchemaVersion int64            `json:"schema_version"` // latest applied migration
	Snapshot      string           `json:"snapshot"`       // the exported snapshot both dumps read
	Tables        map[string]int64 `json:"tables"`         // rows per table as of the snapshot
	LedgerHead    *LedgerHead      `json:"ledger_head,omitempty"`
	Files         []File           `json:"files"`
}

// LedgerHead is the run ledger's head as of the snapshot.
type LedgerHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"` // hex
}

// File is one file of a backup.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", dir, err)
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("backup %s: %s: %w", dir, ManifestFile, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("backup %s: %s: format %q, want %q", dir, ManifestFile, m.Format, ManifestFormat)
	}
	return &m, nil
}

// Verify checks that dir holds every file its manifest lists, with the
// listed size and SHA-256, and the dumps a restore needs. It returns the
// manifest, or an error wrapping ErrCorrupt that names every file that
// differs. It reads every byte of the backup.
func Verify(dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var unlisted []string
	for _, need := range []string{SchemaDumpFile, VersionDumpFile, RolesFile} {
		if !slices.ContainsFunc(m.Files, func(f File) bool { return f.Name == need }) {
			unlisted = append(unlisted, need)
		}
	}
	if err := VerifyFiles(dir, m.Files, unlisted...); err != nil {
		return nil, err
	}
	return m, nil
}

// VerifyFiles checks that dir holds each of files with its size and
// SHA-256, that each is a plain name inside dir other than the manifest,
// and reports each name in unlisted (files the caller needs that the
// manifest does not list). It returns nil, or an error wrapping ErrCorrupt
// that names every file that differs. Other manifests (the export's) use
// it to check their files exactly as a backup's are checked.
func VerifyFiles(dir string, files []File, unlisted ...string) error {
	var problems []string
	for _, need := range unlisted {
		problems = append(problems, fmt.Sprintf("%s: not listed in the manifest", need))
	}
	for _, f := range files {
		if f.Name != filepath.Base(f.Name) || f.Name == ManifestFile || f.Name == "." || f.Name == ".." {
			problems = append(problems, fmt.Sprintf("%s: not a file name the manifest may list", f.Name))
			continue
		}
		n, sum, err := hashFile(filepath.Join(dir, f.Name))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", f.Name, err))
		case n != f.Bytes:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, the manifest says %d", f.Name, n, f.Bytes))
		case sum != f.SHA256:
			problems = append(problems, fmt.Sprintf("%s: SHA-256 %s, the manifest says %s", f.Name, sum, f.SHA256))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s:\n  %s", ErrCorrupt, dir, strings.Join(problems, "\n  "))
	}
	return nil
}

// hashFile returns the size and hex SHA-256 of a file.
func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
