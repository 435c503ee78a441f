package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestCommandsRefuseASchemaOutsideTheWindow: a command that reads
// paidan's tables exits 1 with a message naming the versions against a
// schema older or newer than the window, while migrate runs.
func TestCommandsRefuseASchemaOutsideTheWindow(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	if _, stderr, code := runCLI(t, "audit", "list", "--db", dsn); code != exitOK {
		t.Fatalf("audit list inside the window: code %d, stderr %q", code, stderr)
	}
	if out, stderr, code := runCLI(t, "migrate", "down", "--db", dsn); code != exitOK {
		t.Fatalf("migrate down: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	for _, args := range [][]string{
		{"audit", "list"},
		{"run", "--once"},
		{"report", "--from", "2026-01-01", "--to", "2026-01-02", "--out", t.TempDir()},
	} {
		_, stderr, code := runCLI(t, append(args, "--db", dsn)...)
		want := fmt.Sprintf("older than this binary supports (%d-%d)", pgschema.MinSchema, pgschema.MaxSchema)
		if code != exitError || !strings.Contains(stderr, want) {
			t.Errorf("%v below the window: code %d, stderr %q; want %d and %q", args, code, stderr, exitError, want)
		}
	}
	if out, stderr, code := runCLI(t, "migrate", "plan", "--db", dsn); code != exitOK ||
		!strings.Contains(out, "1 migration(s) to apply") || !strings.Contains(out, fmt.Sprintf("%05d_", pgschema.Latest())) ||
		!strings.Contains(out, "LOCK") {
		t.Errorf("migrate plan: code %d, stdout %q, stderr %q; want the one pending migration and its locks", code, out, stderr)
	}
	if out, stderr, code := runCLI(t, "migrate", "up", "--db", dsn, "--lock-timeout", "500ms"); code != exitOK ||
		!strings.Contains(out, "applied 1 migration(s)") {
		t.Fatalf("migrate up again: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	if out, _, code := runCLI(t, "migrate", "plan", "--db", dsn); code != exitOK || !strings.Contains(out, "nothing to apply") {
		t.Errorf("migrate plan when up to date: code %d, stdout %q", code, out)
	}
}
