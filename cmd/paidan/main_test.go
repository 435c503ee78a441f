package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// runCLI runs the command line and returns stdout, stderr and the exit code.
func runCLI(tb testing.TB, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	code = report(err, &errOut)
	return out.String(), errOut.String(), code
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	out, _, code := runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "paidan ") {
		t.Errorf("version: code %d, stdout %q; want 0 and a line starting with \"paidan \"", code, out)
	}
	out, _, code = runCLI(t, "help")
	if code != exitOK || !strings.Contains(out, "Exit codes") || !strings.Contains(out, "migrate") {
		t.Errorf("help: code %d, stdout %q; want 0 and the command list with exit codes", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"no-such-command"},
		{"version", "--no-such-flag"},
		{"version", "extra"},
		{"migrate"},
		{"migrate", "sideways"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			_, stderr, code := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.HasPrefix(stderr, "paidan: ") {
				t.Errorf("stderr %q does not start with \"paidan: \"", stderr)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewEmptyURL(t)

	out, stderr, code := runCLI(t, "migrate", "status", "--db", dsn)
	if code != exitOK || !strings.Contains(out, "pending") {
		t.Fatalf("status before up: code %d, stdout %q, stderr %q; want a pending migration", code, out, stderr)
	}
	out, stderr, code = runCLI(t, "migrate", "up", "--db", dsn)
	if code != exitOK || !strings.Contains(out, "applied") {
		t.Fatalf("up: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = runCLI(t, "migrate", "status", "--db", dsn)
	if code != exitOK || strings.Contains(out, "pending") {
		t.Fatalf("status after up: code %d, stdout %q; want every migration applied", code, out)
	}
	out, stderr, code = runCLI(t, "migrate", "down", "--db", dsn)
	if code != exitOK || !strings.Contains(out, "rolled back migration") {
		t.Fatalf("down: code %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestMigrateWithoutDatabase(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	_, stderr, code := runCLI(t, "migrate", "up")
	if code != exitUsage || !strings.Contains(stderr, envDatabaseURL) {
		t.Errorf("code %d, stderr %q; want usage error naming $%s", code, stderr, envDatabaseURL)
	}
}

// TestReportPrintsTheCause is the regression for messages that ended in a
// chain of sentinels and repeated operations: the person reads the
// operations once and the cause, without package names.
func TestReportPrintsTheCause(t *testing.T) {
	t.Parallel()
	inner := errors.New("paidan: syntax error")
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("plan: %w", fmt.Errorf("plan: prune candidates: %w", context.Canceled)),
			"paidan: plan: prune candidates: context canceled\n"},
		{fmt.Errorf("load rules: %w", fmt.Errorf("rules.yaml line 3: %w", inner)),
			"paidan: load rules: rules.yaml line 3: syntax error\n"},
		{fmt.Errorf(`partition "nosuch": %w`, errors.New("jobs: unknown partition")),
			"paidan: partition \"nosuch\": unknown partition\n"},
		{usageErrorf("--out %s is not empty", "x"), "paidan: --out x is not empty\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		code := report(tt.err, &b)
		if b.String() != tt.want {
			t.Errorf("report(%q) printed %q, want %q", tt.err, b.String(), tt.want)
		}
		if code == exitOK {
			t.Errorf("report(%q) = exit 0", tt.err)
		}
	}
}

func TestHumanizeKeepsVerdicts(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"hall.txt: solve lap: solver: infeasible: 2 rows":                 "hall.txt: solve lap: solver: infeasible: 2 rows",
		"x.min: dimacs: line 3: bad arc":                                  "x.min: dimacs: line 3: bad arc",
		"load: load: ingest/file: tasks.csv line 2: paidan: duplicate id": "load: tasks.csv line 2: duplicate id",
	} {
		if got := humanize(in); got != want {
			t.Errorf("humanize(%q) = %q, want %q", in, got, want)
		}
	}
}
