package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestExportSurvivesPoisonedRows stores times the schema now refuses (as
// rows older than its constraints would hold them): the export still
// succeeds, writes every row with the bad times as NULL, and lists each on
// stderr and in the manifest.
func TestExportSurvivesPoisonedRows(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	db := openTest(t, dsn)
	tiny := filepath.Join("..", "..", "datasets", "tiny")
	if _, stderr, code := runCLI(t, "seed", "--db", dsn, "--dataset", tiny); code != exitOK {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	for _, q := range []string{
		`ALTER TABLE paidan.task DROP CONSTRAINT task_due_at_range`,
		`UPDATE paidan.task SET due_at = 'infinity' WHERE id = 'T01'`,
		`UPDATE paidan.task SET due_at = '-infinity' WHERE id = 'T02'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out := filepath.Join(t.TempDir(), "handover")
	stdout, stderr, code := runCLI(t, "export", "--db", dsn, "--out", out)
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "task.parquet\t10 rows") || !strings.Contains(stdout, "unassigned.parquet\t0 rows") {
		t.Errorf("export stdout %q, want all 10 tasks and the unassigned file", stdout)
	}
	for _, want := range []string{"table paidan.task: T01: due_at: infinity", "table paidan.task: T02: due_at: -infinity"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, parquet.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m parquet.SnapshotManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) != 2 {
		t.Errorf("manifest problems %q, want the two bad times", m.Problems)
	}
	rows, err := parquetgo.ReadFile[parquet.SnapshotTaskRow](filepath.Join(out, parquet.SnapshotTaskFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if (r.ID == "T01" || r.ID == "T02") && r.DueAt != nil {
			t.Errorf("%s due_at %v, want NULL", r.ID, r.DueAt)
		}
	}
}
