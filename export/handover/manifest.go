package handover

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paidan/paidan/backup"
)

// ManifestFormat names the format of an export's manifest.json.
const ManifestFormat = "paidan-export/1"

// The files of an export besides one NAME.parquet per exported table.
const (
	ManifestFile       = "manifest.json"
	DictionaryMarkdown = "dictionary.md"
	DictionaryJSON     = "dictionary.json"
)

// Manifest describes an export. It is written last, so a directory with a
// manifest is complete; Verify checks the files against it.
type Manifest struct {
	Format        string          `json:"format"`
	PaidanVersion string          `json:"paidan_version"`
	SnapshotAt    time.Time       `json:"snapshot_at"` // the reading transaction's time, UTC
	SchemaVersion int64           `json:"schema_version"`
	ServerVersion string          `json:"server_version"`
	Tables        []ManifestTable `json:"tables"`   // every table of the schema, by name
	Files         []backup.File   `json:"files"`    // every file but the manifest
	Problems      []string        `json:"problems"` // values not written as stored; empty when none
}

// ManifestTable says what the export did with one table.
type ManifestTable struct {
	Name     string            `json:"name"`               // "paidan.task"
	File     string            `json:"file,omitempty"`     // "task.parquet"; empty when excluded
	Rows     int64             `json:"rows"`               // rows written
	Excluded string            `json:"excluded,omitempty"` // why the table is not exported
	Omitted  map[string]string `json:"omitted,omitempty"`  // column to why it is not exported
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("export %s: %s: %w", dir, ManifestFile, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("export %s: %s: format %q, want %q", dir, ManifestFile, m.Format, ManifestFormat)
	}
	return &m, nil
}

// Verify checks dir against its manifest with the backup package's file
// checks (every listed file present with its size and SHA-256, nothing
// listed outside dir) and that every exported table and both dictionaries
// are listed. It returns the manifest, or an error wrapping
// backup.ErrCorrupt naming what differs. It reads every byte.
func Verify(dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var need []string
	need = append(need, DictionaryMarkdown, DictionaryJSON)
	for _, t := range m.Tables {
		if t.Excluded == "" {
			need = append(need, t.File)
		}
	}
	var missing []string
	for _, n := range need {
		if !slices.ContainsFunc(m.Files, func(f backup.File) bool { return f.Name == n }) {
			missing = append(missing, n)
		}
	}
	if err := backup.VerifyFiles(dir, m.Files, missing...); err != nil {
		return nil, err
	}
	return m, nil
}
