package postgres_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
)

// envChild, when set to a DSN, makes the test binary a child that runs the
// partition "city" over and over, logging every stage to stdout, until it
// is killed.
const envChild = "PAIDAN_JOBS_TEST_CHILD_DSN"

// childApp is the application_name of the child's connections, by which
// the parent finds and terminates them.
const childApp = "paidan-jobs-child"

func childMain() int {
	u, err := url.Parse(os.Getenv(envChild))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q := u.Query()
	q.Set("application_name", childApp)
	u.RawQuery = q.Encode()
	db, err := openChild(u.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRunner(db, log)
	for {
		r.Run(context.Background(), "city")
	}
}

// TestKillDuringWriteBack kills a child running the partition, with
// SIGKILL or by terminating its connections from the server, and checks
// after each kill that the database holds the run it interrupted whole or
// not at all; a last run in this process then completes the work.
//
// The kills cycle through four modes. In the two "inside" modes the test
// holds a SHARE lock on paidan.assignment, waits until the child's
// write-back (paidan.apply_run, past its run claim) is blocked on it, and
// kills then: the kill provably lands inside the write-back transaction.
// A terminated write-back must leave nothing of its run but the failed
// record the child writes afterwards; a SIGKILLed client's statement runs
// on in the server once the lock is released and must commit whole. In the
// two "around" modes the kill lands at a random point shortly before,
// during or after the write-back, and the run must be whole or absent.
func TestKillDuringWriteBack(t *testing.T) {
	t.Parallel()
	kills := envInt(t, "PAIDAN_SOAK_KILLS", 6)
	start := time.Now()
	dsn := newDB(t)
	db := open(t, dsn)
	admin := pgtest.Admin(t)
	seed(t, db, "city", 3000, 5)
	rng := rand.New(rand.NewPCG(5, 6))
	modes := []struct {
		name      string
		terminate bool // pg_terminate_backend first, else SIGKILL only
		inside    bool // kill while the write-back waits inside its transaction
	}{
		{"SIGKILL inside the write-back", false, true},
		{"pg_terminate_backend inside the write-back", true, true},
		{"SIGKILL around the write-back", false, false},
		{"pg_terminate_backend around the write-back", true, false},
	}
	landed := make(map[string]int)

	for i := range kills {
		mode := modes[i%len(modes)]
		var holder *sqlx.Tx
		if mode.inside {
			var err error
			if holder, err = db.Beginx(); err != nil {
				t.Fatal(err)
			}
			execSQL(t, holder, `LOCK TABLE paidan.assignment IN SHARE MODE`)
		}
		child := startChild(t, dsn)
		// Planning done: the write-back is next.
		line, ok := child.waitFor(`msg="stage done"`, "stage=plan", time.Minute)
		if !ok {
			t.Fatalf("kill %d: no plan from the child within a minute", i)
		}
		runID := logValue(line, "run_id")
		if runID == "" {
			t.Fatalf("kill %d: no run_id in %q", i, line)
		}
		delay := time.Duration(0)
		if mode.inside {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			pgtest.WaitForLockWait(t, ctx, db, "%paidan.apply_run%")
			cancel()
			landed[mode.name]++
		} else {
			// The write-back of this partition takes a few hundred
			// milliseconds here: the kills land before, during and after it.
			delay = time.Duration(rng.IntN(400)) * time.Millisecond
			time.Sleep(delay)
		}
		if mode.terminate {
			var n int
			if err := admin.Get(&n, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, childApp); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("kill %d: no session of the child to terminate", i)
			}
		}
		if holder != nil {
			if err := holder.Rollback(); err != nil {
				t.Fatal(err)
			}
		}
		if mode.terminate {
			// The child notices, records its run and goes on; kill it once
			// that run has ended.
			if _, ok := child.waitFor(`msg="run `, "run_id="+runID, time.Minute); !ok {
				t.Fatalf("kill %d: the child did not end run %s within a minute", i, runID)
			}
		}
		child.kill(t)
		// The server ends a killed child's sessions on its own (a
		// statement it was running first runs to its end); wait for that,
		// so that its transaction is over before the checks.
		deadline := time.Now().Add(time.Minute)
		for count(t, admin, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, childApp) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("kill %d: the child's sessions outlived it by a minute", i)
			}
			time.Sleep(10 * time.Millisecond)
		}

		status, assigned, rows, left := runOutcome(t, db, runID)
		when := "while it waited inside paidan.apply_run"
		if !mode.inside {
			when = fmt.Sprintf("%d ms after planning", delay.Milliseconds())
		}
		t.Logf("kill %d (%s, %s): run %s is %q with %d assignments", i, mode.name, when, runID, status, rows)
		switch {
		case status == "applied" && (assigned != rows || rows == 0):
			t.Errorf("kill %d: run %s applied with %d assignments recorded and %d written", i, runID, assigned, rows)
		case status != "applied" && rows+left > 0:
			t.Errorf("kill %d: run %s is %q but left %d assignments and %d unassigned rows", i, runID, status, rows, left)
		case mode.inside && !mode.terminate && status != "applied":
			t.Errorf("kill %d: a SIGKILLed client's write-back left run %s %q; want it to run on in the server and commit whole", i, runID, status)
		case mode.inside && mode.terminate && status != "failed":
			t.Errorf("kill %d: a terminated write-back left run %s %q; want it rolled back and recorded failed", i, runID, status)
		}
		checkNoDoubleWork(t, db)
		// Give the next child work: unassign some tasks.
		execSQL(t, db, `UPDATE paidan.task SET status = 'pending' WHERE id IN (SELECT id FROM paidan.task WHERE status = 'assigned' ORDER BY random() LIMIT 200)`)
	}
	for _, m := range modes[:min(kills, 2)] {
		if landed[m.name] == 0 {
			t.Errorf("no kill landed %s", m.name)
		}
	}

	r := newRunner(db, discard)
	res := r.Run(t.Context(), "city")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run after the kills: %s %v, want applied", res.Status, res.Err)
	}
	checkNoDoubleWork(t, db)
	// The work is complete: planning the same partition again assigns nothing.
	again := r.Run(t.Context(), "city")
	if again.Status != paidan.RunSkipped || again.Reason != jobs.SkipNothingToAssign {
		t.Errorf("second run: %s %q (%d assigned); want skipped, nothing to assign", again.Status, again.Reason, again.Assigned)
	}
	t.Logf("soak: kills %d (%v landed inside the write-back); runs applied %d, failed %d; wall %.1fs",
		kills, landed,
		count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`),
		count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'failed'`), time.Since(start).Seconds())
}

// runOutcome returns run id's status ("" when it is not recorded), its
// recorded assigned count, and its assignment and unassigned rows.
func runOutcome(t *testing.T, db *sqlx.DB, id string) (status string, assigned, rows, left int) {
	t.Helper()
	err := db.QueryRow(`SELECT coalesce((SELECT status FROM paidan.run WHERE id = $1), ''),
			coalesce((SELECT assigned FROM paidan.run WHERE id = $1), 0),
			(SELECT count(*) FROM paidan.assignment WHERE run_id = $1),
			(SELECT count(*) FROM paidan.unassigned WHERE run_id = $1)`, id).Scan(&status, &assigned, &rows, &left)
	if err != nil {
		t.Fatal(err)
	}
	return status, assigned, rows, left
}

// child is a test binary running the partition "city" over and over.
type child struct {
	cmd   *exec.Cmd
	lines chan string // its log lines; closed when its output ends
}

// startChild starts a child on dsn.
func startChild(t *testing.T, dsn string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		defer close(c.lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			c.lines <- s.Text()
		}
	}()
	return c
}

// waitFor returns the first log line that contains every one of what and
// more, true; or false when the output ends or timeout passes first.
func (c *child) waitFor(what, more string, timeout time.Duration) (string, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return "", false
			}
			if strings.Contains(line, what) && strings.Contains(line, more) {
				return line, true
			}
		case <-deadline:
			return "", false
		}
	}
}

// kill SIGKILLs the child and checks that it died of it.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	go func() { // drain, so that the output ends
		for range c.lines {
		}
	}()
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v; want killed by SIGKILL", err)
	}
}

// logValue returns the value of key in a logfmt line, "" when absent.
func logValue(line, key string) string {
	for _, field := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(field, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
