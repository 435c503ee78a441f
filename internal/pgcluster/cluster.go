// Package pgcluster starts and stops throwaway PostgreSQL clusters from the
// local server binaries: a cluster in a temporary directory, listening on
// a free loopback port with trust authentication and fsync off, run as the
// postgres or nobody user when the process is root, and removed whole by
// Stop. "paidan demo" runs on one; internal/pgtest starts its test servers
// with it. It imports no testing code, so the paidan binary links none.
//
// A cluster is for demos and tests only: its superuser logs in without a
// password from loopback, and it does not survive a crash (fsync off).
package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Superuser is the superuser initdb creates in a cluster.
const Superuser = "postgres"

// ErrNoBinaries is returned by Start when no server binaries (initdb,
// pg_ctl) are found; its message says how to install them.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) found: " +
	"install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql)")

// Cluster is a PostgreSQL server this process started. Its methods are
// not safe for concurrent use.
type Cluster struct {
	dir  string // temporary directory holding data/, the socket and the log
	bin  string // directory of initdb, pg_ctl and postgres
	port string
	cred *syscall.Credential // nil when not running as root
}

// Start initialises and starts a cluster and waits until it accepts
// connections (up to a minute). Nothing is left behind when it fails.
func Start() (*Cluster, error) {
	c, err := start()
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	return c, nil
}

func start() (*Cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "paidan-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if c.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.run("initdb", "-D", c.DataDir(), "-U", Superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := strings.Join([]string{
		"-p", c.port,
		"-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
	}, " ")
	if err := c.run("pg_ctl", "-D", c.DataDir(), "-l", c.logFile(),
		"-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(c.logFile())
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	return c, nil
}

// Port returns the loopback TCP port the server listens on.
func (c *Cluster) Port() string { return c.port }

// Dir returns the temporary directory holding the cluster's files.
func (c *Cluster) Dir() string { return c.dir }

// DataDir returns the cluster's data directory (PGDATA).
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) logFile() string { return filepath.Join(c.dir, "server.log") }

// URL returns the superuser DSN of the cluster's database "postgres",
// without TLS.
func (c *Cluster) URL() string {
	return "postgres://" + Superuser + "@127.0.0.1:" + c.port + "/postgres?sslmode=disable"
}

// Chown gives path to the user the server runs as, when the process is
// root (the server refuses files it cannot read, and a key others can);
// otherwise it does nothing.
func (c *Cluster) Chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

// Stop shuts the server down at once (immediate mode) and removes its
// files.
func (c *Cluster) Stop() error {
	err := c.run("pg_ctl", "-D", c.DataDir(), "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(c.dir); err == nil {
		err = rmErr
	}
	return err
}

// Halt shuts the server down (fast mode: sessions are terminated, open
// transactions roll back) and waits until it is down; its files stay, for
// Restart.
func (c *Cluster) Halt() error {
	return c.run("pg_ctl", "-D", c.DataDir(), "-m", "fast", "-w", "stop")
}

// Restart starts a halted server again, with the options it first started
// with (pg_ctl restart reads them back from postmaster.opts), and waits
// until it accepts connections.
func (c *Cluster) Restart() error {
	return c.run("pg_ctl", "-D", c.DataDir(), "-l", c.logFile(), "-m", "fast", "-w", "-t", "60", "restart")
}

// run runs one of the PostgreSQL binaries as the cluster's user.
func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...) // #nosec G204 -- a PostgreSQL server binary by name; args are built here, never a shell
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// findBinaries returns the directory holding initdb and pg_ctl: from PATH,
// or the newest /usr/lib/postgresql/*/bin.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

// majorOf returns the version number in /usr/lib/postgresql/<N>/bin.
func majorOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// unprivileged returns the credentials of the postgres user, or of nobody.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
