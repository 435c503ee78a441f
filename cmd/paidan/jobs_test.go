package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan/export/handover"
	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// canary is a password that must never show in any output.
const canary = "Canary-7f3a-pw"

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// seedCLI generates a dataset of n tasks and seeds it as partition p.
func seedCLI(t *testing.T, dsn, p string, n int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), p)
	if _, stderr, code := runCLI(t, "gen", "dispatch", "--tasks", strconv.Itoa(n), "--out", dir); code != exitOK {
		t.Fatalf("gen: %d %s", code, stderr)
	}
	out, stderr, code := runCLI(t, "seed", "--db", dsn, "--dataset", dir, "--partition", p)
	if code != exitOK {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	if want := "partition " + p + ": "; !strings.HasPrefix(out, want) {
		t.Fatalf("seed stdout %q, want it to start with %q", out, want)
	}
}

func openTest(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunOnceSeedAndExport(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	db := openTest(t, dsn)
	seedCLI(t, dsn, "city", 400)

	exportDir := t.TempDir()
	out, stderr, code := runCLI(t, "run", "--once", "--db", dsn, "--export-dir", exportDir)
	if code != exitOK {
		t.Fatalf("run --once: exit %d\n%s", code, stderr)
	}
	m := regexp.MustCompile(`^city\t(\S+)\tapplied\tassigned (\d+)\tconflicts 0\tunassigned (\d+)\tpoisoned 0\t(\S+)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run --once stdout %q, want one applied line for city", out)
	}
	runID, runDir := m[1], m[4]
	var assigned int
	if err := db.Get(&assigned, `SELECT assigned FROM paidan.run WHERE id = $1 AND status = 'applied'`, runID); err != nil {
		t.Fatal(err)
	}
	if strconv.Itoa(assigned) != m[2] {
		t.Errorf("run %s assigned %d in the database, %s printed", runID, assigned, m[2])
	}
	wantDir := filepath.Join(exportDir, "date="+time.Now().UTC().Format("2006-01-02"), "run="+runID)
	if runDir != wantDir {
		t.Errorf("export dir %s, want %s", runDir, wantDir)
	}
	if got := parquetRows(t, filepath.Join(runDir, "assignments.parquet")); got != int64(assigned) {
		t.Errorf("assignments.parquet has %d rows, want %d", got, assigned)
	}
	if _, err := os.Stat(filepath.Join(runDir, "manifest.json")); err != nil {
		t.Error(err)
	}
	// Exports are for the owner and its group only (they were 0644/0755).
	for path, want := range map[string]os.FileMode{runDir: 0o750, filepath.Dir(runDir): 0o750,
		filepath.Join(runDir, "assignments.parquet"): 0o640, filepath.Join(runDir, "manifest.json"): 0o640} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (err %v), want %v", path, st.Mode().Perm(), err, want)
		}
	}
	if !strings.Contains(stderr, "run_id="+runID) || !strings.Contains(stderr, "partition=city") {
		t.Errorf("stderr lacks the structured run log:\n%s", stderr)
	}

	// A second run finds nothing new to assign: skipped, recorded, not exported.
	out, _, code = runCLI(t, "run", "--once", "--db", dsn, "--partition", "city", "--export-dir", exportDir)
	if code != exitOK || !strings.HasSuffix(out, "\tskipped\tnothing to assign\n") {
		t.Errorf("second run: exit %d, stdout %q; want skipped, nothing to assign", code, out)
	}
	if runs, _ := filepath.Glob(filepath.Join(exportDir, "*", "*")); len(runs) != 1 {
		t.Errorf("%d runs exported, want only the applied one", len(runs))
	}

	// The full export.
	full := filepath.Join(t.TempDir(), "handover")
	out, stderr, code = runCLI(t, "export", "--db", dsn, "--out", full)
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	man, err := handover.Verify(full)
	if err != nil {
		t.Fatal(err)
	}
	// One line for the snapshot, one per table, one per file.
	if lines := strings.Count(out, "\n"); lines != 1+len(man.Tables)+len(man.Files) {
		t.Errorf("export printed %d lines, want one for the snapshot, one per table and one per file:\n%s", lines, out)
	}
	exported := 0
	for _, mt := range man.Tables {
		if mt.Excluded != "" {
			continue
		}
		exported++
		var rows int64
		if err := db.Get(&rows, `SELECT count(*) FROM `+mt.Name); err != nil {
			t.Fatal(err)
		}
		if mt.Rows != rows || parquetRows(t, filepath.Join(full, mt.File)) != rows {
			t.Errorf("%s: manifest %d rows, table %d", mt.Name, mt.Rows, rows)
		}
	}
	if exported < 14 || len(man.Files) != exported+2 {
		t.Errorf("%d tables exported, %d files; want every table but the excluded ones, and the two dictionaries", exported, len(man.Files))
	}
	if entries, _ := os.ReadDir(filepath.Dir(full)); len(entries) != 1 {
		t.Errorf("export left %d entries beside %s, want only it", len(entries), full)
	}
	if _, _, code := runCLI(t, "export", "--db", dsn, "--out", full); code != exitUsage {
		t.Errorf("export into an existing directory: exit %d, want %d", code, exitUsage)
	}
	if err := exportpg.CheckInvariants(context.Background(), db); err != nil {
		t.Error(err)
	}
}

func parquetRows(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquetgo.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pf.NumRows()
}

// TestRunAsRuntimeRole runs a real cycle as a login role that holds only
// paidan_runtime, its password the canary.
func TestRunAsRuntimeRole(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 200)
	owner := openTest(t, dsn)
	role := "sched_" + strings.ReplaceAll(t.Name(), "/", "_")
	role = strings.ToLower(role[:min(len(role), 40)]) + "_" + hex.EncodeToString([]byte(time.Now().Format("150405.000")))[:8]
	if _, err := owner.Exec(`CREATE ROLE ` + role + ` LOGIN PASSWORD '` + canary + `' IN ROLE paidan_runtime`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Exec(`DROP OWNED BY ` + role); owner.Exec(`DROP ROLE ` + role) })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, canary)
	out, stderr, code := runCLI(t, "run", "--once", "--db", u.String(), "--export-dir", t.TempDir())
	if code != exitOK || !strings.Contains(out, "\tapplied\t") {
		t.Fatalf("run as %s: exit %d\nstdout %s\nstderr %s", role, code, out, stderr)
	}
	if strings.Contains(out+stderr, canary) {
		t.Error("the password appears in the output")
	}
	if err := exportpg.CheckInvariants(context.Background(), owner); err != nil {
		t.Error(err)
	}
}

// TestPasswordNeverLeaks drives run and schedule through their failure
// paths with a canary password in the DSN and searches stdout, stderr (the
// slog output), the returned error, /metrics and /healthz for it.
func TestPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	t.Run("bad host", func(t *testing.T) {
		t.Parallel()
		out, stderr, code := runCLI(t, "run", "--once", "--db", "postgres://paidan:"+canary+"@no-such-host.invalid:5432/paidan?sslmode=disable")
		if code != exitError || strings.Contains(out+stderr, canary) || !strings.Contains(stderr, "xxxxx") {
			t.Errorf("exit %d, output %q %q: want exit 1, the password redacted", code, out, stderr)
		}
	})
	t.Run("auth failure", func(t *testing.T) {
		t.Parallel()
		u, _ := url.Parse(pgtest.NewURL(t))
		u.User = url.UserPassword("no_such_role", canary)
		out, stderr, code := runCLI(t, "run", "--once", "--db", u.String())
		if code != exitError || strings.Contains(out+stderr, canary) || !strings.Contains(stderr, "no_such_role") {
			t.Errorf("exit %d, output %q %q: want exit 1 naming the role, without the password", code, out, stderr)
		}
	})
	t.Run("server goes away during schedule", func(t *testing.T) {
		t.Parallel()
		cl := pgtest.NewCluster(t)
		admin := openTest(t, cl.URL())
		if _, err := admin.Exec(`CREATE ROLE canary_sched LOGIN PASSWORD '` + canary + `' IN ROLE paidan_runtime`); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(cl.URL())
		u.User = url.UserPassword("canary_sched", canary)
		seedCLI(t, cl.URL(), "city", 100)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr lockedBuffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"schedule", "--every", "50ms", "--max-backoff", "100ms",
				"--metrics-addr", "127.0.0.1:0", "--db", u.String()}, &stdout, &stderr)
		}()
		addr := waitLog(t, &stderr, regexp.MustCompile(`serving metrics" addr=(\S+)`))
		waitLog(t, &stderr, regexp.MustCompile(`run applied`))
		cl.Stop(t)
		waitLog(t, &stderr, regexp.MustCompile(`cycle failed; backing off`))
		metrics := get(t, "http://"+addr+"/metrics")
		health := get(t, "http://"+addr+"/healthz")
		cancel() // SIGTERM: the scheduler stops and exits 0
		if err := <-done; err != nil {
			t.Errorf("schedule returned %v after cancel, want nil", err)
		}
		for name, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "/metrics": metrics, "/healthz": health} {
			if strings.Contains(text, canary) {
				t.Errorf("%s contains the password:\n%s", name, text)
			}
		}
		for _, want := range []string{`paidan_runs_total{outcome="applied"}`, `paidan_runs_total{outcome="failed"}`,
			"paidan_run_stage_duration_seconds_bucket", "paidan_last_success_timestamp_seconds"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if health != "unhealthy\n" {
			t.Errorf("/healthz = %q while the server is down, want \"unhealthy\" and no detail", health)
		}
		if !strings.Contains(stderr.String(), `health: unhealthy" reason="last cycle failed"`) {
			t.Errorf("the log does not give the reason of the unhealthy state:\n%s", stderr.String())
		}
	})
}

// waitLog waits up to a minute for re to match the log and returns its
// first group, if any.
func waitLog(t *testing.T, log *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in the log within a minute:\n%s", re, log.String())
	return ""
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunScheduleUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"run"},
		{"run", "--once", "--log-level", "loud", "--db", "postgres://x@127.0.0.1:1/x"},
		{"schedule", "--db", "postgres://x@127.0.0.1:1/x"},
		{"schedule", "--every", "1m", "--cron", "* * * * *"},
		{"schedule", "--cron", "not a cron"},
		{"schedule", "--every", "1m", "--report-every", "day"},
		{"schedule", "--every", "1m", "--report-every", "month", "--report-dir", "/tmp/r"},
		{"seed"},
		{"export"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			if _, stderr, code := runCLI(t, args...); code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
		})
	}
}

// FuzzRedactHandler checks that the DSN password never reaches the log,
// wherever it sits in a record: message, string attribute, error, group.
func FuzzRedactHandler(f *testing.F) {
	for _, s := range []string{"", canary, "connect to postgres://u:" + canary + "@h/db: refused",
		"password=" + canary, "\"quoted " + canary + "\"", canary + canary, "C" + canary + "w"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, msg, value string) {
		var out bytes.Buffer
		log := slog.New(redactHandler{h: slog.NewTextHandler(&out, nil), secrets: secrets{canary}})
		log = log.With("dsn", value)
		log.Info(msg, "err", errors.New(value), "s", value, slog.Group("g", "v", value))
		if strings.Contains(out.String(), canary) {
			t.Fatalf("the password reached the log: %q", out.String())
		}
	})
}

func TestRunOnceSkipsLockedPartition(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 50)
	db := openTest(t, dsn)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Another scheduler, anywhere, holds the partition.
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_lock($1, hashtext($2))`, jobspg.LockNamespace, "city"); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "run", "--once", "--db", dsn, "--partition", "city")
	if code != exitOK || !strings.HasSuffix(out, "\tskipped\tlocked\n") {
		t.Errorf("exit %d, stdout %q (stderr %s); want 0 and skipped, locked", code, out, stderr)
	}
	var runs int
	if err := db.Get(&runs, `SELECT count(*) FROM paidan.run`); err != nil {
		t.Fatal(err)
	}
	if runs != 0 {
		t.Errorf("%d runs recorded, want none: a locked partition is not touched", runs)
	}
}

// TestScheduleBacksOffAtStart is the regression for schedule exiting 1 when
// the database is down at start: it retries with a backoff, logging each
// attempt, /healthz says unhealthy without the error, and SIGTERM ends it
// with exit 0. The DSN's password appears nowhere.
func TestScheduleBacksOffAtStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"schedule", "--every", "1m", "--max-backoff", "50ms", "--metrics-addr", "127.0.0.1:0",
			"--db", "host=127.0.0.1 port=1 user=x password=" + canary + " sslmode=disable connect_timeout=2"}, &stdout, &stderr)
	}()
	addr := waitLog(t, &stderr, regexp.MustCompile(`serving metrics" addr=(\S+)`))
	waitLog(t, &stderr, regexp.MustCompile(`(?s)database unreachable at start; retrying" attempt=1 .*attempt=3 `))
	health := get(t, "http://"+addr+"/healthz")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("schedule returned %v after cancel, want nil", err)
	}
	if health != "unhealthy\n" {
		t.Errorf("/healthz = %q while the database is unreachable, want \"unhealthy\"", health)
	}
	if !strings.Contains(stderr.String(), `reason="database unreachable"`) {
		t.Errorf("the log does not give the reason of the unhealthy state:\n%s", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String()+health, canary) {
		t.Errorf("the password leaked:\n%s", stderr.String())
	}
}

// TestScheduleMetricsOnLoopback is the regression for /metrics and /healthz
// listening on every interface: the default address is loopback.
func TestScheduleMetricsOnLoopback(t *testing.T) {
	t.Parallel()
	def := newScheduleCmd().Flags().Lookup("metrics-addr").DefValue
	if !isLoopback(def) {
		t.Errorf("--metrics-addr defaults to %q, want a loopback address", def)
	}
	for addr, want := range map[string]bool{"127.0.0.1:9090": true, "[::1]:9090": true, ":9090": false, "0.0.0.0:9090": false, "10.0.0.1:9090": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestRunUnknownPartition is the regression for --partition nosuch
// recording a run and exiting 0: it is an error, and nothing is recorded.
func TestRunUnknownPartition(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 20)
	out, stderr, code := runCLI(t, "run", "--once", "--db", dsn, "--partition", "nosuch")
	if code != exitError || !strings.Contains(stderr, `partition "nosuch"`) || !strings.Contains(stderr, "unknown partition") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 naming the unknown partition", code, out, stderr)
	}
	var runs int
	if err := openTest(t, dsn).Get(&runs, `SELECT count(*) FROM paidan.run WHERE partition = 'nosuch'`); err != nil {
		t.Fatal(err)
	}
	if runs != 0 {
		t.Errorf("%d runs recorded for the unknown partition, want none", runs)
	}
}

// TestRunOncePausedPartition: a partition paused in the console is
// skipped by a run of every partition, refused (exit 1, naming who paused
// it) when named with --partition, and run with --ignore-pause.
func TestRunOncePausedPartition(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 50)
	db := openTest(t, dsn)
	if _, err := db.Exec(`INSERT INTO paidan.partition_pause (partition, paused_by, note) VALUES ('city', 'ana', 'inventory')`); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "run", "--once", "--db", dsn)
	if code != exitOK || out != "" || !strings.Contains(stderr, "partition paused") {
		t.Errorf("run of every partition: exit %d, stdout %q, stderr %s; want 0, no run, the pause logged", code, out, stderr)
	}
	out, stderr, code = runCLI(t, "run", "--once", "--db", dsn, "--partition", "city")
	if code != exitError || out != "" || !strings.Contains(stderr, "partition city is paused (by ana at ") ||
		!strings.Contains(stderr, `"inventory"`) || !strings.Contains(stderr, "--ignore-pause") {
		t.Errorf("run --partition city: exit %d, stdout %q, stderr %s; want 1 and the pause named", code, out, stderr)
	}
	var runs int
	if err := db.Get(&runs, `SELECT count(*) FROM paidan.run`); err != nil {
		t.Fatal(err)
	}
	if runs != 0 {
		t.Fatalf("%d runs recorded while paused, want none", runs)
	}
	out, stderr, code = runCLI(t, "run", "--once", "--db", dsn, "--partition", "city", "--ignore-pause")
	if code != exitOK || !strings.Contains(out, "\tapplied\t") {
		t.Errorf("run --ignore-pause: exit %d, stdout %q, stderr %s; want 0 and applied", code, out, stderr)
	}
}
