package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Tools locates PostgreSQL's client programs. The zero value looks on PATH,
// then in the newest /usr/lib/postgresql/*/bin.
type Tools struct {
	// BinDir, when set, is the directory holding pg_dump, pg_dumpall and
	// pg_restore. Their major version must be at least the server's.
	BinDir string
}

// path returns the path of program name.
func (t Tools) path(name string) (string, error) {
	if t.BinDir != "" {
		p := filepath.Join(t.BinDir, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("backup: %s not in %s: %w", name, t.BinDir, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("backup: %s not found on PATH or under /usr/lib/postgresql/*/bin; install the PostgreSQL client (apt-get install postgresql-client)", name)
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// run runs program name with args, the connection's password in its
// environment; on failure the error carries the end of its stderr.
func (t Tools) run(ctx context.Context, c Conn, name string, args ...string) error {
	p, err := t.path(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, p, args...) // #nosec G204 -- p is a PostgreSQL client tool found by name; args are built here, never a shell
	cmd.Env = c.env(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		if c.Password != "" {
			msg = strings.ReplaceAll(msg, c.Password, "xxxxx")
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", name, ctxErr)
		}
		return errors.Join(fmt.Errorf("%s: %w", name, err), errors.New(msg))
	}
	return nil
}
