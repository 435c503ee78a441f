package upgradetest_test

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// toolchain is the Go release that builds paidan (go.mod names Go 1.27;
// scripts/test and scripts/build set the same).
const toolchain = "go1.27.3"

// repoRoot returns the top of the git work tree holding this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("the rolling-upgrade test builds releases from git history: 'git rev-parse --show-toplevel': %v", err)
	}
	return strings.TrimSpace(string(out))
}

// goEnv is the environment of the go commands the test runs: the
// caller's, with GOTOOLCHAIN set when the caller left it unset.
func goEnv() []string {
	env := os.Environ()
	if os.Getenv("GOTOOLCHAIN") == "" {
		env = append(env, "GOTOOLCHAIN="+toolchain)
	}
	return env
}

// buildRelease returns the path of the paidan binary built from commit,
// building it on first use under the user cache directory
// (…/paidan/upgradetest/<commit>-<os>-<arch>/paidan): the source is the
// commit's tree as "git archive" writes it, so the work tree and the
// module cache of the code under test play no part.
func buildRelease(t *testing.T, root, name, commit string) string {
	t.Helper()
	bin, cached, err := releaseBinary(root, name, commit)
	if err != nil {
		t.Fatal(err)
	}
	if cached {
		t.Logf("release %s: %s (cached)", name, bin)
	} else {
		t.Logf("release %s: built %s", name, bin)
	}
	return bin
}

// releaseBinary is buildRelease's work: the binary's path and whether it
// was in the cache already.
func releaseBinary(root, name, commit string) (string, bool, error) {
	if err := exec.Command("git", "-C", root, "cat-file", "-e", commit+"^{commit}").Run(); err != nil {
		return "", false, fmt.Errorf("release %s is commit %s, which this clone does not have: the rolling-upgrade test builds it from source; "+
			"run it in a clone with main's full history (git fetch --unshallow origin)", name, commit)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", false, fmt.Errorf("no cache directory for the release binaries: %w", err)
	}
	dir := filepath.Join(cache, "paidan", "upgradetest", fmt.Sprintf("%s-%s-%s", commit, runtime.GOOS, runtime.GOARCH))
	bin := filepath.Join(dir, "paidan")
	if _, err := os.Stat(bin); err == nil {
		return bin, true, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	if err := archive(root, commit, src); err != nil {
		return "", false, fmt.Errorf("release %s: %w", name, err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(tmp, "paidan"), "./cmd/paidan")
	build.Dir, build.Env = src, goEnv()
	if out, err := build.CombinedOutput(); err != nil {
		return "", false, fmt.Errorf("release %s: go build: %w\n%s", name, err, out)
	}
	// A concurrent build of the same commit wrote the same bytes: the
	// rename replaces them atomically.
	if err := os.Rename(filepath.Join(tmp, "paidan"), bin); err != nil {
		return "", false, err
	}
	return bin, false, nil
}

// TestReleaseNotInHistory: a clone without the release's commit (a
// shallow one) gets an error that names the commit and the remedy.
func TestReleaseNotInHistory(t *testing.T) {
	t.Parallel()
	const missing = "0123456789abcdef0123456789abcdef01234567"
	_, _, err := releaseBinary(repoRoot(t), "9.9.9", missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "git fetch --unshallow") {
		t.Fatalf("releaseBinary of a missing commit: %v; want an error naming it and git fetch --unshallow", err)
	}
}

// buildHead builds the code under test (the work tree at root) into dir.
func buildHead(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "paidan")
	build := exec.Command("go", "build", "-o", bin, "./cmd/paidan")
	build.Dir, build.Env = root, goEnv()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/paidan: %v\n%s", err, out)
	}
	return bin
}

// archive writes the tree of commit into dir.
func archive(root, commit, dir string) error {
	cmd := exec.Command("git", "-C", root, "archive", "--format=tar", commit)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive %s: %w", commit, err)
	}
	extractErr := extract(out, dir)
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", commit, err, stderr.String())
	}
	return extractErr
}

// extract writes the directories and regular files of a tar stream under
// dir; git archive writes nothing else that a build needs.
func extract(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read git archive: %w", err)
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("git archive: entry %q leaves the directory", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
}
