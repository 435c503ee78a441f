package main

import (
	"context"
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
	// Roll back until the applied version is below the window: the
	// migrations above MinSchema, then MinSchema itself.
	db := openTest(t, dsn)
	down := 0
	for {
		v, err := pgschema.SchemaVersion(context.Background(), db.DB)
		if err != nil {
			t.Fatal(err)
		}
		if v < pgschema.MinSchema {
			break
		}
		if out, stderr, code := runCLI(t, "migrate", "down", "--db", dsn); code != exitOK {
			t.Fatalf("migrate down from %d: code %d, stdout %q, stderr %q", v, code, out, stderr)
		}
		down++
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
		!strings.Contains(out, fmt.Sprintf("%d migration(s) to apply", down)) || !strings.Contains(out, "paidan.worker") {
		t.Errorf("migrate plan: code %d, stdout %q, stderr %q; want the %d pending migrations and their tables", code, out, stderr, down)
	}
	if out, stderr, code := runCLI(t, "migrate", "up", "--db", dsn, "--lock-timeout", "500ms"); code != exitOK ||
		!strings.Contains(out, fmt.Sprintf("applied %d migration(s)", down)) {
		t.Fatalf("migrate up again: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	if out, _, code := runCLI(t, "migrate", "plan", "--db", dsn); code != exitOK || !strings.Contains(out, "nothing to apply") {
		t.Errorf("migrate plan when up to date: code %d, stdout %q", code, out)
	}
}
