package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
	opsreport "github.com/paidan/paidan/report"
)

// With --report-every day the scheduler writes yesterday's report beside
// its cycles, records it in paidan.report_run, and writes it once.
func TestScheduleWritesReports(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 20)
	db := openTest(t, dsn)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"schedule", "--every", "200ms", "--db", dsn, "--partition", "city", "--metrics-addr", "",
			"--report-every", "day", "--report-dir", dir}, &stdout, &stderr)
	}()
	from, _ := lastFinished(opsreport.Day, time.Now())
	var status string
	var cycles int
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := db.Get(&cycles, `SELECT count(*) FROM paidan.run`); err != nil {
			t.Fatal(err)
		}
		err := db.Get(&status, `SELECT status FROM paidan.report_run ORDER BY id LIMIT 1`)
		if err == nil && status != "running" {
			break
		}
	}
	// About five more cycles, each of which must find the day reported.
	time.Sleep(time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("schedule returned %v after cancel, want nil", err)
	}
	var rows []struct {
		Period string    `db:"period"`
		From   time.Time `db:"range_from"`
		Dir    string    `db:"dir"`
		Status string    `db:"status"`
		Files  *int      `db:"files"`
	}
	if err := db.Select(&rows, `SELECT period, range_from, dir, status, files FROM paidan.report_run ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	wantDir := filepath.Join(dir, "day-"+from.Format(time.DateOnly))
	if len(rows) != 1 || rows[0].Status != "done" || !rows[0].From.Equal(from) || rows[0].Dir != wantDir || rows[0].Files == nil || *rows[0].Files < 10 {
		t.Fatalf("report runs after %d cycles = %+v, want one done report of %s into %s\n%s", cycles, rows, from, wantDir, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(wantDir, "report.html")); err != nil {
		t.Errorf("scheduled report: %v", err)
	}
}

func TestLastFinishedPeriod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC) // a Thursday
	for _, c := range []struct {
		p        opsreport.Period
		from, to string
	}{
		{opsreport.Day, "2026-12-02", "2026-12-03"},
		{opsreport.Week, "2026-11-23", "2026-11-30"},
	} {
		from, to := lastFinished(c.p, now)
		if from.Format(time.DateOnly) != c.from || to.Format(time.DateOnly) != c.to {
			t.Errorf("last finished %s at %s = %s to %s, want %s to %s", c.p, now, from, to, c.from, c.to)
		}
	}
}
