package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
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
	if !regexp.MustCompile(`^paidan v1\.2\.3-test 0123456789ab \S+/\S+ go\S+\n$`).Match(out) {
		t.Errorf("version printed %q, want the stamped version and commit", out)
	}
}
