package atomicdir_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/atomicdir"
)

// crashEnv tells the test binary, run as a child, to write and crash.
const crashEnv = "ATOMICDIR_CRASH_AT"

// TestMain lets the test binary play the crashing writer: with crashEnv
// set to "step:dir" it overwrites dir/data.txt with "new content" and
// exits with status 3 right after that step, without any cleanup, as a
// killed process would.
func TestMain(m *testing.M) {
	if v := os.Getenv(crashEnv); v != "" {
		step, dir, _ := strings.Cut(v, ":")
		err := atomicdir.WriteFile(dir, "data.txt", func(w io.Writer) error {
			_, err := io.WriteString(w, "new content")
			return err
		}, atomicdir.Options{AfterStep: func(s string) {
			if s == step {
				os.Exit(3)
			}
		}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCrashBetweenSteps kills a writer after each step of WriteFile and
// checks what it leaves: the old file until the rename, the new complete
// file from the rename on, never a mixture; and at most one hidden
// temporary file beside it.
func TestCrashBetweenSteps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step string
		want string // content of data.txt after the crash
		temp bool   // a temporary file is left
	}{
		{"created", "old content", true},
		{"filled", "old content", true},
		{"synced", "old content", true},
		{"closed", "old content", true},
		{"renamed", "new content", false},
		{"dir-synced", "new content", false},
	} {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("old content"), 0o640); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnv+"="+tc.step+":"+dir)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("child: %v (%s); want a crash with status 3 after %s", err, out, tc.step)
			}
			got, err := os.ReadFile(filepath.Join(dir, "data.txt"))
			if err != nil || string(got) != tc.want {
				t.Fatalf("data.txt = %q, %v; want %q", got, err, tc.want)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, e := range entries {
				if n := e.Name(); n != "data.txt" {
					left = append(left, n)
				}
			}
			if (len(left) == 1) != tc.temp || len(left) > 1 {
				t.Fatalf("files left beside data.txt %q; want one temporary file: %v", left, tc.temp)
			}
			for _, n := range left {
				if !strings.HasPrefix(n, ".data.txt.") || !strings.HasSuffix(n, ".tmp") {
					t.Errorf("temporary file %q is not hidden", n)
				}
			}
		})
	}
}

func TestWriteFileModes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b")
	if err := atomicdir.MkdirAll(dir, atomicdir.Options{}); err != nil {
		t.Fatal(err)
	}
	fill := func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }
	var steps []string
	if err := atomicdir.WriteFile(dir, "default", fill, atomicdir.Options{AfterStep: func(s string) { steps = append(steps, s) }}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"created", "filled", "synced", "closed", "renamed", "dir-synced"}; !slices.Equal(steps, want) {
		t.Errorf("steps %q; want %q", steps, want)
	}
	if err := atomicdir.WriteFile(dir, "open", fill, atomicdir.Options{FileMode: 0o644}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{"default": 0o640, "open": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", name, fi.Mode().Perm(), err, want)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&^0o750 != 0 {
		t.Errorf("directory mode %v, %v; want at most 0750", fi.Mode().Perm(), err)
	}
}

func TestStageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	boom := errors.New("boom")
	_, err := atomicdir.Stage(dir, "f", func(io.Writer) error { return boom }, atomicdir.Options{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write f") {
		t.Fatalf("Stage: %v; want the fill error naming the file", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed Stage left %d entries", len(entries))
	}
	s, err := atomicdir.Stage(dir, "g", func(w io.Writer) error { _, err := io.WriteString(w, "g"); return err }, atomicdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("an aborted Stage left %d entries", len(entries))
	}
	if _, err := atomicdir.Stage(filepath.Join(dir, "missing"), "h", func(io.Writer) error { return nil }, atomicdir.Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stage in a missing directory: %v; want ErrNotExist", err)
	}
}
