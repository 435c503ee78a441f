package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestVersionStamped builds the binary as scripts/build does, with VCS
// stamping off (-buildvcs=false, as GOFLAGS here has it), and checks that
// version prints the stamped version and commit: they were "(devel)" and
// nothing before the stamp.
func TestVersionStamped(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "paidan")
	build := exec.Command("go", "build", "-buildvcs=false",
		"-ldflags", "-X main.version=v1.2.3-test -X main.commit=0123456789abcdef0123456789abcdef01234567",
		"-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^paidan v1\.2\.3-test 0123456789ab \S+/\S+ go\S+\nschema window \d+-\d+ \(embedded migrations up to \d+\)\n$`).Match(out) {
		t.Errorf("version printed %q, want the stamped version and commit", out)
	}
}

// TestVersionPrintsTheSchema: with a database, version prints its schema
// version and where it stands against the window.
func TestVersionPrintsTheSchema(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	out, stderr, code := runCLI(t, "version", "--db", dsn)
	want := fmt.Sprintf("schema window %d-%d (embedded migrations up to %d)\ndatabase schema version %d (inside the window)\n",
		pgschema.MinSchema, pgschema.MaxSchema, pgschema.Latest(), pgschema.Latest())
	if code != exitOK || !strings.HasSuffix(out, want) {
		t.Fatalf("version --db: code %d, stdout %q, stderr %q; want it to end %q", code, out, stderr, want)
	}
	// Roll back until the version falls below the window's floor.
	for range pgschema.Latest() - pgschema.MinSchema + 1 {
		if _, _, code := runCLI(t, "migrate", "down", "--db", dsn); code != exitOK {
			t.Fatal("migrate down failed")
		}
		if out, _, _ := runCLI(t, "version", "--db", dsn); strings.Contains(out, "(OUTSIDE the window)") {
			break
		}
	}
	if out, _, code := runCLI(t, "version", "--db", dsn); code != exitOK || !strings.Contains(out, "(OUTSIDE the window)") {
		t.Errorf("version --db below the window: code %d, stdout %q; want OUTSIDE the window", code, out)
	}
}
