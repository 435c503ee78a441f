package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan/export/handover"
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
		`ALTER TABLE paidan.task DISABLE TRIGGER task_limits`, // rows from before the limits
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
	if !strings.Contains(stdout, "paidan.task\ttask.parquet\t10 rows") || !strings.Contains(stdout, "paidan.unassigned\tunassigned.parquet\t0 rows") {
		t.Errorf("export stdout %q, want all 10 tasks and the unassigned file", stdout)
	}
	for _, want := range []string{"table paidan.task: T01: due_at: infinity written as NULL", "table paidan.task: T02: due_at: -infinity written as NULL"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	m, err := handover.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) != 2 {
		t.Errorf("manifest problems %q, want the two bad times", m.Problems)
	}
	type taskRow struct {
		ID    string     `parquet:"id"`
		DueAt *time.Time `parquet:"due_at,optional,timestamp(microsecond)"`
	}
	rows, err := parquetgo.ReadFile[taskRow](filepath.Join(out, "task.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Errorf("task.parquet: %d rows, want 10", len(rows))
	}
	for _, r := range rows {
		if (r.ID == "T01" || r.ID == "T02") && r.DueAt != nil {
			t.Errorf("%s due_at %v, want NULL", r.ID, r.DueAt)
		}
	}
}

// TestExportVerifyRefusesAFlippedByte: "paidan export verify" accepts a
// fresh export (exit 0) and refuses one with a flipped byte (exit 3),
// naming the file.
func TestExportVerifyRefusesAFlippedByte(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	tiny := filepath.Join("..", "..", "datasets", "tiny")
	if _, stderr, code := runCLI(t, "seed", "--db", dsn, "--dataset", tiny); code != exitOK {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "handover")
	if _, stderr, code := runCLI(t, "export", "--db", dsn, "--out", out); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, "export", "verify", out)
	if code != exitOK || !strings.Contains(stdout, "every file matches the manifest") ||
		!strings.Contains(stdout, "paidan.console_session\texcluded: ") {
		t.Fatalf("export verify: exit %d\n%s%s", code, stdout, stderr)
	}
	path := filepath.Join(out, "worker.parquet")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x80
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, "export", "verify", out)
	if code != exitNo || !strings.Contains(stderr, "worker.parquet: SHA-256") {
		t.Errorf("export verify of a flipped byte: exit %d, stderr %q; want %d naming worker.parquet", code, stderr, exitNo)
	}
}
