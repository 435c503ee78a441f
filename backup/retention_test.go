package backup_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paidan/paidan/backup"
)

func TestPruneKeepsTheNewestCompleteBackups(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	var dirs []string
	for i := range 4 {
		d := backup.ScheduledDir(root, start.Add(time.Duration(i)*24*time.Hour))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, backup.ManifestFile), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	// Neither an incomplete backup nor a foreign directory is touched.
	incomplete := backup.ScheduledDir(root, start.Add(-time.Hour))
	foreign := filepath.Join(root, "keep-me")
	for _, d := range []string{incomplete, foreign} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := backup.Prune(root, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, dirs[:2]) {
		t.Errorf("removed %v, want %v", removed, dirs[:2])
	}
	for _, d := range append([]string{incomplete, foreign}, dirs[2:]...) {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v, want it kept", d, err)
		}
	}
	if _, err := backup.Prune(root, 0); err == nil {
		t.Error("Prune with keep 0 succeeded")
	}
}
