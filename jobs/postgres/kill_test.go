package postgres_test

import (
	"bufio"
	"context"
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

// TestKillDuringWriteBack kills a child running the partition at random
// points just before and during its write-back, with SIGKILL or by
// terminating its connections from the server, and checks after each that
// the database holds every run whole or not at all; a last run in this
// process then completes the work.
func TestKillDuringWriteBack(t *testing.T) {
	t.Parallel()
	kills := envInt(t, "PAIDAN_SOAK_KILLS", 6)
	start := time.Now()
	sigkills, terminations := 0, 0
	dsn := newDB(t)
	db := open(t, dsn)
	admin := pgtest.Admin(t)
	seed(t, db, "city", 3000, 5)
	rng := rand.New(rand.NewPCG(5, 6))

	for i := range kills {
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
		lines := bufio.NewScanner(out)
		waitFor := func(what string) bool {
			for lines.Scan() {
				if strings.Contains(lines.Text(), what) {
					return true
				}
			}
			return false
		}
		// Planning done: the write-back is next.
		if !waitFor("stage=plan") {
			t.Fatalf("kill %d: child ended before planning", i)
		}
		// The write-back of this partition takes a few hundred
		// milliseconds here: the kills land before, during and after it.
		delay := time.Duration(rng.IntN(400)) * time.Millisecond
		time.Sleep(delay)
		how := "SIGKILL"
		sigkills++
		if i%2 == 1 {
			sigkills--
			terminations++
			how = "pg_terminate_backend"
			var n int
			if err := admin.Get(&n, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, childApp); err != nil {
				t.Fatal(err)
			}
			// The child notices, records its run and goes on; kill it once
			// that run has ended.
			waitFor(`msg="run `)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		go func() { // drain, so that Wait returns
			for lines.Scan() {
			}
		}()
		cmd.Wait()
		t.Logf("kill %d (%s, %d ms after planning): %d applied, %d failed runs so far", i, how, delay.Milliseconds(),
			count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`),
			count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'failed'`))
		// The server ends a killed child's sessions on its own; wait for
		// that, so that its transaction is over before the checks.
		for count(t, admin, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, childApp) > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		checkNoDoubleWork(t, db)
		// Give the next child work: unassign some tasks.
		execSQL(t, db, `UPDATE paidan.task SET status = 'pending' WHERE id IN (SELECT id FROM paidan.task WHERE status = 'assigned' ORDER BY random() LIMIT 200)`)
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
	violations := "0"
	if t.Failed() {
		violations = "see the errors above"
	}
	t.Logf("soak: kills %d (SIGKILL %d, pg_terminate_backend %d); runs applied %d, failed %d; invariant violations %s; wall %.1fs",
		kills, sigkills, terminations,
		count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`),
		count(t, db, `SELECT count(*) FROM paidan.run WHERE status = 'failed'`), violations, time.Since(start).Seconds())
}
