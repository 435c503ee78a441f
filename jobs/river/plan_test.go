package river_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
)

// machine is one process of "paidan worker --queues plan,deliver": its own
// partition locker, runner and River client, as the runtime role.
func machine(t *testing.T, db *sqlx.DB) *jobsriver.Client {
	t.Helper()
	locker := &jobspg.Locker{DB: db}
	w := &jobspg.Writer{DB: db, Locker: locker}
	r := &jobs.Runner{Source: &jobspg.Source{DB: db}, Writer: w, Locker: locker, Rules: paidan.DefaultRules()}
	o := fastOptions(db)
	o.Plan, o.Runner, o.Every = 2, r, time.Second
	c, err := jobsriver.New(o)
	if err != nil {
		t.Fatal(err)
	}
	w.Publisher = &jobsriver.Publisher{Client: c}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlanJobsAcrossMachines: two workers plan four partitions from River's
// periodic cycle, one plan job per partition and period; every partition
// gets an applied run, each applied run is delivered once, no task is
// assigned twice, and both stop gracefully.
func TestPlanJobsAcrossMachines(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	parts := []string{"north", "south", "east", "west"}
	for i, p := range parts {
		seed(t, owner, p, 20, 4+uint64(i)*10)
	}
	// West is late: one of its tasks is past due.
	if n, err := owner.MustExec(`UPDATE paidan.task SET due_at = created_at
		WHERE id = (SELECT id FROM paidan.task WHERE partition = 'west' AND status = 'pending' AND created_at < now() ORDER BY id LIMIT 1)`).RowsAffected(); err != nil || n != 1 {
		t.Fatalf("make west late: %d rows, %v", n, err)
	}
	rcv := newReceiver(t, secret)
	s := addSubscriber(t, owner, "app", rcv.srv.URL, "assigned,reassigned,unassigned", false, secret)

	start := time.Now()
	a, b := machine(t, runtime), machine(t, runtime)
	waitFor(t, 60*time.Second, "an applied run of every partition", func() bool {
		return count(t, owner, `SELECT count(DISTINCT partition) FROM paidan.run WHERE status = 'applied'`) == len(parts)
	})
	var runs []string
	if err := owner.Select(&runs, `SELECT id FROM paidan.run WHERE status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(runs))
	for i, r := range runs {
		want[i] = fmt.Sprintf("%s/%d", r, s.ID)
	}
	rcv.waitKeys(t, want, 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []*jobsriver.Client{a, b} {
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	// One plan job per partition and period, whichever machine enqueued.
	if n := count(t, owner, `SELECT count(*) FROM (SELECT args->>'partition', date_trunc('second', created_at)
		FROM paidan_river.river_job WHERE kind = 'paidan_plan' GROUP BY 1, 2 HAVING count(*) > 1) x`); n != 0 {
		t.Errorf("%d partitions got two plan jobs within one period", n)
	}
	if n, most := count(t, owner, `SELECT count(*) FROM paidan_river.river_job WHERE kind = 'paidan_cycle'`), int(elapsed/time.Second)+2; n > most {
		t.Errorf("%d cycles in %s; want at most %d (one per period)", n, elapsed, most)
	}
	// The late partition's plan jobs come first (priority 1), the others' after.
	var prios []string
	if err := owner.Select(&prios, `SELECT DISTINCT (args->>'partition') || ':' || priority FROM paidan_river.river_job
		WHERE kind = 'paidan_plan' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(prios) < len(parts) {
		t.Errorf("plan job priorities %v; want one per partition", prios)
	}
	for _, p := range prios {
		if (strings.HasPrefix(p, "west:") && p != "west:1") || (!strings.HasPrefix(p, "west:") && !strings.HasSuffix(p, ":2")) {
			t.Errorf("plan job priorities %v; want west:1 and the others 2", prios)
			break
		}
	}
	for _, c := range []struct{ what, query string }{
		{"tasks with two active assignments", `SELECT count(*) FROM (SELECT task_id FROM paidan.assignment WHERE active GROUP BY task_id HAVING count(*) > 1) x`},
		{"runs left running", `SELECT count(*) FROM paidan.run WHERE status = 'running'`},
		{"plan jobs left running", `SELECT count(*) FROM paidan_river.river_job WHERE state = 'running'`},
	} {
		if n := count(t, owner, c.query); n != 0 {
			t.Errorf("%s: %d", c.what, n)
		}
	}
	byKey, _, bad := rcv.snapshot()
	if bad != 0 {
		t.Errorf("%d deliveries failed their signature check", bad)
	}
	var applied []string
	if err := owner.Select(&applied, `SELECT id FROM paidan.run WHERE status = 'applied'`); err != nil {
		t.Fatal(err)
	}
	isApplied := map[string]bool{}
	for _, r := range applied {
		isApplied[fmt.Sprintf("%s/%d", r, s.ID)] = true
	}
	for k := range byKey {
		if !isApplied[k] {
			t.Errorf("phantom delivery %s", k)
		}
	}
	if err := exportpg.CheckInvariants(context.Background(), owner); err != nil {
		t.Error(err)
	}
}
