package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
	"github.com/paidan/paidan/push"
)

const pushSecret = "cmd-test-secret-0123456789"

// hookServer is a subscriber's receiver: it verifies signatures, counts
// deliveries by idempotency key and requests in flight, and takes delay
// to answer each, so that a kill can land while deliveries are in flight.
type hookServer struct {
	srv   *httptest.Server
	delay time.Duration

	mu       sync.Mutex
	byKey    map[string]int
	bad      int
	inFlight int
	down     bool // answer 503 to everything
}

// setDelay changes how long the receiver takes to answer.
func (h *hookServer) setDelay(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.delay = d
}

func (h *hookServer) setDown(v bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = v
}

func newHookServer(t *testing.T, delay time.Duration) *hookServer {
	h := &hookServer{delay: delay, byKey: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		if h.down {
			h.mu.Unlock()
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.inFlight++
		delay := h.delay
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			h.inFlight--
			h.mu.Unlock()
		}()
		body, _ := io.ReadAll(r.Body)
		var d push.Delivery
		if err := push.Verify([]byte(pushSecret), r.Header, body, time.Now(), 5*time.Minute); err != nil || json.Unmarshal(body, &d) != nil {
			h.mu.Lock()
			h.bad++
			h.mu.Unlock()
			http.Error(w, "bad delivery", http.StatusUnauthorized)
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		h.mu.Lock()
		h.byKey[d.Key]++
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// state returns the deliveries received by key, a single event's key
// without its kind (run/subscriber/task), the requests refused for their
// signature, and the requests in flight.
func (h *hookServer) state() (byKey map[string]int, bad, inFlight int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byKey = make(map[string]int, len(h.byKey))
	for k, v := range h.byKey {
		if strings.Count(k, "/") == 3 {
			k = k[:strings.LastIndex(k, "/")]
		}
		byKey[k] += v
	}
	return byKey, h.bad, h.inFlight
}

// builtPaidan builds the binary once for the tests that run and kill it.
var builtPaidan = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "paidan-push-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "paidan")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// buildPaidan returns the binary for tests that kill it.
func buildPaidan(t *testing.T) string {
	t.Helper()
	bin, err := builtPaidan()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runtimeDSN creates a login role in paidan_runtime and returns dsn as it,
// with application_name set to app.
func runtimeDSN(t *testing.T, owner *sqlx.DB, dsn, app string) string {
	t.Helper()
	role := fmt.Sprintf("push_%d", time.Now().UnixNano()%1e12)
	if _, err := owner.Exec(`CREATE ROLE ` + role + ` LOGIN PASSWORD 'push-pw' IN ROLE paidan_runtime`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Exec(`DROP OWNED BY ` + role); owner.Exec(`DROP ROLE ` + role) })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "push-pw")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}

// startWorker starts "paidan worker" on dsn and returns its process.
func startWorker(t *testing.T, bin, dsn string, log io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--db", dsn, "--queues", "deliver", "--deliverers", "3",
		"--metrics-addr", "", "--delivery-timeout", "2s", "--delivery-rescue-after", "3s", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// TestPushFaults: deliveries of an applied run (one for the run, and one
// per assignment for a single-event subscriber) are made by "paidan
// worker" processes while faults strike: the first worker is killed with
// SIGKILL while deliveries are in flight (asserted), a second one has its
// database connections terminated, and the receiver refuses every request
// for a while. Afterwards every committed decision was delivered at least
// once (0 lost), nothing else was (0 phantom), every signature verified,
// and the dispatch invariants hold.
func TestPushFaults(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "north", 150)
	owner := openTest(t, dsn)
	hook := newHookServer(t, 150*time.Millisecond)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(pushSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"subscriber", "add", "app", "--db", dsn, "--url", hook.srv.URL + "/runs", "--events", "assigned,reassigned,unassigned", "--secret-file", secretFile},
		{"subscriber", "add", "tasks", "--db", dsn, "--url", hook.srv.URL + "/tasks", "--events", "assigned,reassigned", "--single", "--secret-file", secretFile},
	} {
		if _, stderr, code := runCLI(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
	}

	// Plan and write back in this process, enqueueing only.
	ctx := context.Background()
	client, err := jobsriver.New(jobsriver.Options{DB: owner.DB})
	if err != nil {
		t.Fatal(err)
	}
	locker := &jobspg.Locker{DB: owner}
	r := &jobs.Runner{Source: &jobspg.Source{DB: owner}, Locker: locker, Rules: paidan.DefaultRules(),
		Writer: &jobspg.Writer{DB: owner, Locker: locker, Publisher: &jobsriver.Publisher{Client: client}}}
	results, err := r.RunAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	subs := map[string]int64{}
	rows, err := owner.Query(`SELECT name, id FROM paidan.subscriber`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			name string
			id   int64
		)
		rows.Scan(&name, &id)
		subs[name] = id
	}
	rows.Close()
	for _, res := range results {
		if res.Status != paidan.RunApplied {
			t.Fatalf("run of %s: %s %v", res.Partition, res.Status, res.Err)
		}
		want[fmt.Sprintf("%s/%d", res.RunID, subs["app"])] = true
		var tasks []string
		if err := owner.Select(&tasks, `SELECT task_id FROM paidan.assignment WHERE run_id = $1`, res.RunID); err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			want[fmt.Sprintf("%s/%d/%s", res.RunID, subs["tasks"], task)] = true
		}
	}
	if len(want) < 60 {
		t.Fatalf("only %d deliveries to make; the test needs more", len(want))
	}

	bin := buildPaidan(t)
	var log lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	workerDSN := runtimeDSN(t, owner, dsn, "paidan-push-test")

	// Fault 1: SIGKILL while deliveries are in flight.
	start := time.Now()
	w1 := startWorker(t, bin, workerDSN, &log)
	waitUntil(t, 30*time.Second, "deliveries in flight after some were made", func() bool {
		got, _, inFlight := hook.state()
		return len(got) >= 10 && inFlight > 0
	})
	w1.Process.Signal(syscall.SIGKILL)
	w1.Wait()
	var running int
	if err := owner.Get(&running, `SELECT count(*) FROM paidan_river.river_job WHERE state = 'running'`); err != nil {
		t.Fatal(err)
	}
	if running == 0 {
		t.Fatal("the kill landed when no delivery was running")
	}
	t.Logf("%s: killed with %d deliveries running", time.Since(start).Round(time.Millisecond), running)

	// Fault 2: the receiver refuses everything for a while; a second
	// worker rescues the killed worker's jobs and retries.
	hook.setDown(true)
	startWorker(t, bin, workerDSN, &log)
	time.Sleep(3 * time.Second)
	hook.setDown(false)

	// Fault 3: terminate the workers' database connections mid-way.
	waitUntil(t, 60*time.Second, "more deliveries after the receiver is back", func() bool {
		got, _, _ := hook.state()
		return len(got) >= len(want)/2
	})
	t.Logf("%s: half delivered", time.Since(start).Round(time.Millisecond))
	var terminated int
	if err := pgtest.Admin(t).Get(&terminated, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'paidan-push-test') x`); err != nil {
		t.Fatal(err)
	}
	if terminated == 0 {
		t.Fatal("no worker connection to terminate")
	}

	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		var states []string
		owner.Select(&states, `SELECT state || ' ' || count(*) FROM paidan_river.river_job GROUP BY state`)
		got, _, _ := hook.state()
		missing := 0
		for k := range want {
			if got[k] == 0 {
				missing++
			}
		}
		t.Logf("jobs by state %v; %d of %d deliveries missing", states, missing, len(want))
	})
	waitUntil(t, 90*time.Second, "every delivery", func() bool {
		got, _, _ := hook.state()
		for k := range want {
			if got[k] == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("%s: all delivered", time.Since(start).Round(time.Millisecond))
	got, bad, _ := hook.state()
	repeats := 0
	for k, n := range got {
		if !want[k] {
			t.Errorf("phantom delivery %s", k)
		}
		repeats += n - 1
	}
	if bad != 0 {
		t.Errorf("%d requests failed the signature check", bad)
	}
	t.Logf("%d deliveries, 0 lost, 0 phantom, %d repeated (at least once), %d connections terminated", len(want), repeats, terminated)
	if err := exportpg.CheckInvariants(ctx, owner); err != nil {
		t.Error(err)
	}
}

// waitUntil polls cond until it holds or fails the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSubscriberCommands: add refuses a plain-http URL off loopback and a
// secret file others may read; list never prints the secret; add and
// remove are audited without it.
func TestSubscriberCommands(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(pushSecret), 0o644); err != nil {
		t.Fatal(err)
	}
	add := []string{"subscriber", "add", "app", "--db", dsn, "--url", "https://app.example.com/hook", "--events", "assigned", "--secret-file", secretFile}
	if _, stderr, code := runCLI(t, add...); code != exitUsage || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("add with a 0644 secret file: exit %d %s", code, stderr)
	}
	os.Chmod(secretFile, 0o600)
	if _, stderr, code := runCLI(t, "subscriber", "add", "lan", "--db", dsn, "--url", "http://10.1.2.3/hook", "--events", "assigned", "--secret-file", secretFile); code != exitUsage || !strings.Contains(stderr, "loopback") {
		t.Errorf("add over plain http off loopback: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, add...); code != exitOK {
		t.Fatalf("add: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, add...); code != exitUsage || !strings.Contains(stderr, "exists") {
		t.Errorf("add twice: exit %d %s", code, stderr)
	}
	out, stderr, code := runCLI(t, "subscriber", "list", "--db", dsn)
	if code != exitOK || !strings.Contains(out, "app") || !strings.Contains(out, "https://app.example.com/hook") {
		t.Errorf("list: exit %d\n%s%s", code, out, stderr)
	}
	// A delivery River discarded: listed by "subscriber dead" with its
	// receiver's error on one line, then retried by job number.
	owner := openTest(t, dsn)
	var job int64
	if err := owner.Get(&job, `INSERT INTO paidan_river.river_job (args, attempt, max_attempts, errors, finalized_at, kind, queue, state, priority)
		SELECT jsonb_build_object('subscriber', s.id, 'key', 'run-7/' || s.id, 'run_id', 'run-7', 'partition', 'north'),
		       12, 12, ARRAY[jsonb_build_object('attempt', 12, 'at', now(), 'error', E'HTTP 503\n\x1b[2Jdown')],
		       now(), 'paidan_deliver', 'deliver', 'discarded', 1
		FROM paidan.subscriber s WHERE s.name = 'app' RETURNING id`); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, "subscriber", "dead", "--db", dsn)
	want := []string{fmt.Sprint(job), "app", "run-7", "north", "12", "HTTP 503  [2Jdown"}
	for _, w := range want {
		if code != exitOK || !strings.Contains(out, w) {
			t.Errorf("dead: exit %d, want %q in\n%s%s", code, w, out, stderr)
		}
	}
	if strings.ContainsAny(out, "\x1b") {
		t.Errorf("dead printed a control character: %q", out)
	}
	if _, stderr, code := runCLI(t, "subscriber", "dead", "--db", dsn, "--limit", "0"); code != exitUsage || !strings.Contains(stderr, "--limit") {
		t.Errorf("dead --limit 0: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "subscriber", "retry", fmt.Sprint(job), "--db", dsn); code != exitOK {
		t.Errorf("retry %d: exit %d %s", job, code, stderr)
	}
	if out, _, _ := runCLI(t, "subscriber", "dead", "--db", dsn); strings.Contains(out, "run-7") {
		t.Errorf("the retried delivery is still listed as dead:\n%s", out)
	}
	if _, stderr, code := runCLI(t, "subscriber", "remove", "app", "--db", dsn); code != exitOK {
		t.Errorf("remove: exit %d %s", code, stderr)
	}
	audit, _, _ := runCLI(t, "audit", "list", "--db", dsn)
	if !strings.Contains(audit, "subscriber.add") || !strings.Contains(audit, "subscriber.remove") {
		t.Errorf("audit lacks the changes:\n%s", audit)
	}
	if strings.Contains(out+audit, pushSecret) {
		t.Error("the secret was printed")
	}
}

// TestWorkerPlansAndStopsGracefully: "paidan worker --queues plan,deliver"
// plans a seeded partition from its cycle job, writes it back, delivers it
// signed, and on SIGTERM exits 0 leaving no run and no job running.
func TestWorkerPlansAndStopsGracefully(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "north", 80)
	owner := openTest(t, dsn)
	hook := newHookServer(t, 0)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(pushSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "subscriber", "add", "app", "--db", dsn, "--url", hook.srv.URL, "--events", "assigned",
		"--secret-file", secretFile); code != exitOK {
		t.Fatalf("subscriber add: %d %s", code, stderr)
	}
	bin := buildPaidan(t)
	var log lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	cmd := exec.Command(bin, "worker", "--db", runtimeDSN(t, owner, dsn, "paidan-worker-test"), "--queues", "plan,deliver",
		"--every", "1s", "--metrics-addr", "")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var runID string
	waitUntil(t, 60*time.Second, "an applied run", func() bool {
		return owner.Get(&runID, `SELECT id FROM paidan.run WHERE status = 'applied' LIMIT 1`) == nil
	})
	var subID int64
	if err := owner.Get(&subID, `SELECT id FROM paidan.subscriber WHERE name = 'app'`); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the run's delivery", func() bool {
		got, _, _ := hook.state()
		return got[fmt.Sprintf("%s/%d", runID, subID)] == 1
	})
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exited with %v after SIGTERM", err)
		}
	case <-time.After(40 * time.Second):
		cmd.Process.Kill()
		t.Fatal("worker still running 40s after SIGTERM")
	}
	for _, q := range []string{
		`SELECT count(*) FROM paidan.run WHERE status = 'running'`,
		`SELECT count(*) FROM paidan_river.river_job WHERE state = 'running'`,
	} {
		var n int
		if err := owner.Get(&n, q); err != nil || n != 0 {
			t.Errorf("%s = %d (%v) after the worker stopped; want 0", q, n, err)
		}
	}
	if err := exportpg.CheckInvariants(context.Background(), owner); err != nil {
		t.Error(err)
	}
}

// TestWorkerKilledMidPlan: a worker planning a partition is killed with
// SIGKILL while its plan job is running (asserted); a second worker plans
// the partition again. Every applied run is delivered, nothing is delivered
// that was not applied, no task is assigned twice, and the dispatch
// invariants hold.
func TestWorkerKilledMidPlan(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "north", 1500)
	owner := openTest(t, dsn)
	hook := newHookServer(t, 0)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(pushSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "subscriber", "add", "app", "--db", dsn, "--url", hook.srv.URL, "--events", "assigned",
		"--secret-file", secretFile); code != exitOK {
		t.Fatalf("subscriber add: %d %s", code, stderr)
	}
	bin := buildPaidan(t)
	var log lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	workerDSN := runtimeDSN(t, owner, dsn, "paidan-midplan-test")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--db", workerDSN, "--queues", "plan,deliver", "--every", "1s",
			"--metrics-addr", "", "--delivery-rescue-after", "2m", "--log-level", "warn")
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
		})
		return cmd
	}
	w1 := start()
	waitUntil(t, 60*time.Second, "a plan job running", func() bool {
		var n int
		owner.Get(&n, `SELECT count(*) FROM paidan_river.river_job WHERE kind = 'paidan_plan' AND state = 'running'`)
		return n > 0
	})
	w1.Process.Signal(syscall.SIGKILL)
	w1.Wait()
	var running, appliedAtKill int
	if err := owner.Get(&running, `SELECT count(*) FROM paidan_river.river_job WHERE kind = 'paidan_plan' AND state = 'running'`); err != nil {
		t.Fatal(err)
	}
	if running == 0 {
		t.Fatal("the kill landed when no plan job was running")
	}
	if err := owner.Get(&appliedAtKill, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d plan jobs running, %d runs applied", running, appliedAtKill)

	w2 := start()
	waitUntil(t, 90*time.Second, "an applied run after the kill", func() bool {
		var n int
		owner.Get(&n, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`)
		return n > appliedAtKill
	})
	var applied []string
	if err := owner.Select(&applied, `SELECT id FROM paidan.run WHERE status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	var subID int64
	if err := owner.Get(&subID, `SELECT id FROM paidan.subscriber WHERE name = 'app'`); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range applied {
		want[fmt.Sprintf("%s/%d", r, subID)] = true
	}
	waitUntil(t, 60*time.Second, "every applied run delivered", func() bool {
		got, _, _ := hook.state()
		for k := range want {
			if got[k] == 0 {
				return false
			}
		}
		return true
	})
	w2.Process.Signal(syscall.SIGTERM)
	w2.Wait()
	got, bad, _ := hook.state()
	for k := range got {
		if !want[k] {
			var st string
			owner.Get(&st, `SELECT status FROM paidan.run WHERE id = $1`, strings.Split(k, "/")[0])
			if st != "applied" {
				t.Errorf("phantom delivery %s of a run %q", k, st)
			}
		}
	}
	if bad != 0 {
		t.Errorf("%d requests failed the signature check", bad)
	}
	var twice int
	if err := owner.Get(&twice, `SELECT count(*) FROM (SELECT task_id FROM paidan.assignment WHERE active GROUP BY task_id HAVING count(*) > 1) x`); err != nil || twice != 0 {
		t.Errorf("tasks with two active assignments: %d (%v)", twice, err)
	}
	if err := exportpg.CheckInvariants(context.Background(), owner); err != nil {
		t.Error(err)
	}
}
