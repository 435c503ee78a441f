package upgradetest_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgtest"
)

// paidan runs one paidan command to completion and returns its standard
// output; a non-zero exit fails the test with what it printed.
func paidan(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var stdout, stderr strings.Builder
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", bin, strings.Join(redactArgs(args), " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// redactArgs replaces the DSNs among args by their host and database.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if u, err := url.Parse(a); err == nil && u.Scheme == "postgres" {
			a = "postgres://" + u.User.Username() + "@" + u.Host + u.Path
		}
		out[i] = a
	}
	return out
}

// scheduler is one "paidan schedule" process of the fleet.
type scheduler struct {
	name string
	cmd  *exec.Cmd
	log  string // its standard error, where it logs
	done chan error
	// stopping is when stop sent SIGTERM, and stopped when the process
	// had exited; zero before.
	stopping, stopped time.Time
}

// startScheduler starts "bin schedule" as name, connected as dsn, with
// a cycle every second and no metrics listener.
func startScheduler(t *testing.T, name, bin, dsn string) *scheduler {
	t.Helper()
	log := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "schedule", "--every", "1s", "--metrics-addr", "", "--max-backoff", "2s")
	cmd.Env = append(os.Environ(), "PAIDAN_DATABASE_URL="+dsn)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start scheduler %s: %v", name, err)
	}
	s := &scheduler{name: name, cmd: cmd, log: log, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); f.Close() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	t.Logf("started scheduler %s (pid %d)", name, cmd.Process.Pid)
	return s
}

// stop sends SIGTERM and waits for a clean exit (status 0), which the
// scheduler makes after finishing a write-back in progress.
func (s *scheduler) stop(t *testing.T) {
	t.Helper()
	s.stopping = time.Now()
	defer func() { s.stopped = time.Now() }()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("scheduler %s: SIGTERM: %v", s.name, err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("scheduler %s exited with %v; its log:\n%s", s.name, err, s.tail())
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("scheduler %s did not exit within 60s of SIGTERM; its log:\n%s", s.name, s.tail())
	}
	t.Logf("stopped scheduler %s", s.name)
}

// errors returns the lines it logged at level ERROR.
func (s *scheduler) errors(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}

// tail returns the last lines of its log.
func (s *scheduler) tail() string {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}

// withUser returns dsn with another user and password.
func withUser(t *testing.T, dsn, user string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, user)
	return u.String()
}

// withParams returns dsn with more query parameters.
func withParams(t *testing.T, dsn string, kv ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// createLogin creates login role user (password = user) as a member of
// group, once per server: roles belong to the cluster, and an advisory
// lock keeps test processes that share a server from racing.
func createLogin(t *testing.T, user, group string) {
	t.Helper()
	ctx := t.Context()
	tx, err := pgtest.Admin(t).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		fmt.Sprintf(`SELECT pg_advisory_xact_lock(hashtext('%s'))`, user),
		fmt.Sprintf(`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
				CREATE ROLE %[1]s LOGIN INHERIT PASSWORD '%[1]s';
			END IF;
		END $$`, user),
		fmt.Sprintf(`GRANT %s TO %s`, group, user),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("create login %s in %s: %v", user, group, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// open connects to dsn until the test ends.
func open(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dbNow is the server's clock, which paidan.run's times come from.
func dbNow(t *testing.T, db *sqlx.DB) time.Time {
	t.Helper()
	var now time.Time
	if err := db.GetContext(t.Context(), &now, `SELECT clock_timestamp()`); err != nil {
		t.Fatal(err)
	}
	return now
}

// waitDispatched waits until every one of the partitions has a run applied
// that started after since, and fails the test after two minutes.
func waitDispatched(t *testing.T, db *sqlx.DB, since time.Time, phase string, partitions ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n int
		if err := db.GetContext(t.Context(), &n, `SELECT count(DISTINCT partition) FROM paidan.run
			WHERE status = 'applied' AND started_at > $1 AND partition = ANY($2)`, since, partitions); err != nil {
			t.Fatal(err)
		}
		if n == len(partitions) {
			return
		}
		if time.Now().After(deadline) {
			var runs []string
			db.SelectContext(t.Context(), &runs, `SELECT id || ' ' || status || coalesce(' ' || error, '') FROM paidan.run WHERE started_at > $1 ORDER BY started_at`, since)
			t.Fatalf("%s: no applied run of every partition %v within 2 minutes; runs since %s:\n%s", phase, partitions, since.Format(time.RFC3339Nano), strings.Join(runs, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
