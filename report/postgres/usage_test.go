package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	"github.com/paidan/paidan/report/postgres"
)

// TestIdleTicksStoreNoOrphanUsage is the regression for usage stored for
// every skipped run: a skipped run is recorded once per change of state,
// so the idle ticks after the first have no paidan.run row and each usage
// insert failed on run_usage's foreign key. Usage is stored only for
// recorded runs.
func TestIdleTicksStoreNoOrphanUsage(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	must(t, execErr(db, `INSERT INTO paidan.worker (id, partition, regions, capacity, load, active, lat, lon)
		VALUES ('w1', 'idle', '{A}', 2, 0, true, 0, 0)`))
	reg := prometheus.NewRegistry()
	m, err := jobs.NewMetrics(reg, jobs.WithUsageRecorder(func(ctx context.Context, runID string, u jobs.Usage) error {
		return postgres.RecordUsage(ctx, db, runID, u.CPUSeconds, u.PeakMemoryBytes, u.Stages)
	}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	locker := &jobspg.Locker{DB: db}
	r := &jobs.Runner{
		Source: &jobspg.Source{DB: db}, Writer: &jobspg.Writer{DB: db, Locker: locker}, Locker: locker,
		Rules: paidan.DefaultRules(), Metrics: m,
		NewRunID: func(p string) string { n++; return fmt.Sprintf("%s-%d", p, n) },
	}
	for tick := range 4 {
		res := r.Run(t.Context(), "idle")
		if res.Status != paidan.RunSkipped || res.Recorded != (tick == 0) {
			t.Fatalf("tick %d: %s recorded %v (%v), want skipped, recorded at the first tick only", tick, res.Status, res.Recorded, res.Err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "paidan_usage_record_errors_total" {
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v != 0 {
				t.Errorf("paidan_usage_record_errors_total = %v after 4 idle ticks, want 0", v)
			}
		}
	}
	var runs, usage int
	must(t, db.Get(&runs, `SELECT count(*) FROM paidan.run`))
	must(t, db.Get(&usage, `SELECT count(*) FROM paidan.run_usage`))
	if runs != 1 || usage != 1 {
		t.Errorf("%d runs and %d usage rows after 4 idle ticks, want 1 and 1", runs, usage)
	}
}
