package main

import (
	"bytes"
	"context"
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

// TestPasswordNeverShown drives connection failures with a canary password
// in every form a DSN can carry one, and checks that it appears nowhere in
// the output. The query-parameter, unescaped-URL and quoted cases are
// regressions: each once leaked.
func TestPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const canary = "canary-S3cret-pw"
	tests := []struct {
		name, dsn, secret string
	}{
		{"url user info", "postgres://paidan:" + canary + "@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2", canary},
		{"key/value", "host=127.0.0.1 port=1 user=paidan password=" + canary + " dbname=paidan sslmode=disable connect_timeout=2", canary},
		{"bad option", "postgres://paidan:" + canary + "@127.0.0.1:1/paidan?sslmode=nonsense", canary},
		{"query parameter", "postgres://paidan@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2&password=" + canary, canary},
		{"unescaped slash and hash", "postgres://paidan:can/ary#S3c@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2", "can/ary#S3c"},
		{"quoted key/value", "host=127.0.0.1 port=1 user=paidan password='canary S3c\\'ret' dbname=paidan sslmode=disable connect_timeout=2", "canary S3c'ret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, stderr, code := runCLI(t, "migrate", "status", "--db", tt.dsn)
			if code != exitError {
				t.Errorf("code %d, want %d (stderr %q)", code, exitError, stderr)
			}
			if strings.Contains(out+stderr, tt.secret) {
				t.Errorf("password leaked: stdout %q stderr %q", out, stderr)
			}
			if !strings.Contains(stderr, "xxxxx") && !strings.Contains(stderr, "<unparseable postgres URL>") {
				t.Errorf("stderr %q shows neither a redacted DSN nor the unparseable marker", stderr)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h/db?sslmode=disable", "postgres://u:xxxxx@h/db?sslmode=disable"},
		{"postgres://u@h/db?password=pw&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"postgresql://u:p/w@h/db", "<unparseable postgres URL>"},
		{"host=h password='a b' user=u", "host=h password=xxxxx user=u"},
		{"host=h user=u", "host=h user=u"},
	}
	for _, tt := range tests {
		if got := redactDSN(tt.in); got != tt.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
