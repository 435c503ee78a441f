package main

import (
	"context"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
)

// After a cycle the scheduler rolls up the run it applied, in the
// background: a report then finds it rolled up.
func TestScheduleRollsUpAppliedRuns(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 50)
	db := openTest(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"schedule", "--every", "1h", "--db", dsn, "--partition", "city", "--metrics-addr", ""},
			&stdout, &stderr)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	var rolled, applied int
	for time.Now().Before(deadline) {
		if err := db.Get(&applied, `SELECT count(*) FROM paidan.run WHERE status = 'applied'`); err != nil {
			t.Fatal(err)
		}
		if err := db.Get(&rolled, `SELECT count(*) FROM paidan.run_rollup`); err != nil {
			t.Fatal(err)
		}
		if applied == 1 && rolled == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("schedule returned %v after cancel, want nil", err)
	}
	var tasks int
	if err := db.Get(&tasks, `SELECT count(*) FROM paidan.task_rollup`); err != nil {
		t.Fatal(err)
	}
	if applied != 1 || rolled != 1 || tasks == 0 {
		t.Errorf("after the first cycle: %d applied runs, %d rolled up, %d tasks in task_rollup; want 1, 1, some\n%s", applied, rolled, tasks, stderr.String())
	}
}
