package postgres_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"

	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/report"
	"github.com/paidan/paidan/report/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seed writes testdata/history.sql into a fresh database.
func seed(tb testing.TB) *sqlx.DB {
	tb.Helper()
	db := pgtest.New(tb)
	history, err := os.ReadFile("testdata/history.sql")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(string(history)); err != nil {
		tb.Fatalf("seed history: %v", err)
	}
	return db
}

// historyQuery is the report of the whole history: both days, every
// partition, the scheduler's cron schedule, a 15-minute latency target.
func historyQuery(tb testing.TB) report.Query {
	tb.Helper()
	sched, err := cron.ParseStandard("0 */6 * * *")
	if err != nil {
		tb.Fatal(err)
	}
	return report.Query{
		From:   time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		To:     time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC),
		Period: report.Day, LatencyTarget: 15 * time.Minute, PendingAfter: time.Hour,
		Schedule: sched, ScheduleText: "cron 0 */6 * * *",
	}
}

// lines renders a table's rows as comma-separated FormatValue lines.
func lines(t *report.Table) []string {
	var out []string
	for i := range t.Len() {
		row := t.Row(i)
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = report.FormatValue(v)
		}
		out = append(out, strings.Join(cells, ","))
	}
	return out
}

func checkTable(t *testing.T, tables map[string]*report.Table, name string, want []string) {
	t.Helper()
	tab, ok := tables[name]
	if !ok {
		t.Errorf("table %s missing", name)
		return
	}
	got := lines(tab)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table %s:\ngot\n\t%s\nwant\n\t%s", name, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// The expected figures below are computed by hand from
// testdata/history.sql; the comments show the arithmetic.
func TestReportOfHandBuiltHistory(t *testing.T) {
	t.Parallel()
	db := seed(t)
	q := historyQuery(t)
	data, err := postgres.Load(context.Background(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(data, q)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*report.Table{}
	for _, tab := range rep.Tables() {
		tables[tab.Name] = tab
	}
	const d1, d2 = "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"

	// period, partition, applied, skipped, failed, running (R0 is before the range).
	checkTable(t, tables, "runs", []string{
		d1 + ",north,2,1,0,0",
		d1 + ",south,1,0,0,0",
		d2 + ",north,2,1,1,0",
	})
	// period, partition, region, assignments, tasks, km.
	checkTable(t, tables, "dispatched", []string{
		d1 + ",north,A,2,2,6",  // t1 2 km + t2 4 km
		d1 + ",north,B,1,1,6",  // t4
		d1 + ",south,S,1,1,5",  // s1
		d2 + ",north,A,1,1,1",  // t6
		d2 + ",north,B,3,3,19", // t3 10 + t4 6 + t7 3
	})
	// Each task once per day under its last reason; task_runs, max and mean runs waited.
	checkTable(t, tables, "left_out", []string{
		d1 + ",north,no_capacity,1,1,1,1",  // t5 by R2
		d1 + ",north,no_skill,1,2,2,2",     // t3 by R1 and R2
		d2 + ",north,out_of_range,1,2,2,2", // t5 by R5 and R7
	})
	// Objective per day and partition: runs, objective, travel, balance,
	// stability, penalty (100 per task left out), conflict cost.
	checkTable(t, tables, "objective_by_period", []string{
		d1 + ",north,2,313.5,12,1.5,0,300,0", // R1 107 + R2 206.5
		d1 + ",south,1,5.5,5,0.5,0,0,0",
		d2 + ",north,2,227.5,20,2,1,200,4.5", // R5 119.5 + R7 108; R7's refused t8 cost 4.5
	})
	// Distances [1 2 3 4 5 6 6 10]: mean 37/8; p50 between 4 and 5; p90 at rank 6.3 = 6 + 0.3·4; p99 at 6.93.
	checkTable(t, tables, "distance_summary", []string{"8,4.625,4.5,7.2,9.72,10"})
	// 20 bins of 0.5 km up to NiceCeil(10) = 10; 10 km falls in the last.
	hist := tables["distance_histogram"]
	wantBins := map[int]int64{2: 1, 4: 1, 6: 1, 8: 1, 10: 1, 12: 2, 19: 1}
	if len(hist.Rows) != 20 {
		t.Errorf("distance_histogram has %d bins, want 20", len(hist.Rows))
	}
	for i, row := range hist.Rows {
		if row[2].(int64) != wantBins[i] || row[0].(float64) != float64(i)/2 {
			t.Errorf("distance bin %d: %v, want from %g with %d", i, row, float64(i)/2, wantBins[i])
		}
	}
	checkTable(t, tables, "certificates", []string{d1 + ",3,0,0", d2 + ",2,0,0"})
	if got := len(tables["applied_runs"].Rows); got != 5 {
		t.Errorf("applied_runs has %d rows, want 5 (R1 R8 R2 R5 R7)", got)
	}
	// R1: 2 + 4 km travel, 2 × 0.5 balance, t3 left out (penalty 100); usage recorded; no KPIs stored.
	checkTable(t, map[string]*report.Table{"r1": {Rows: tables["applied_runs"].Rows[:1]}}, "r1", []string{
		"R1,north,2026-11-02T00:00:10Z,2026-11-02T00:00:20Z,10,verified,107,107000,107000,0,2,0,6,1,0,100,0,,,1.5,104857600",
	})
	// R7, with a conflict: planned 2 × 4 = 8, written 3.5 (travel 3, balance
	// 0.5), so penalty 108 − 8 = 100 (t5) and conflict cost 8 − 3.5 = 4.5.
	checkTable(t, map[string]*report.Table{"r7": {Rows: tables["applied_runs"].Rows[4:]}}, "r7", []string{
		"R7,north,2026-11-03T18:00:00Z,2026-11-03T18:00:40Z,40,verified,108,108000,108000,0,1,1,3,0.5,0,100,4.5,,,,",
	})

	// Tasks created per day and region, by status now. Columns: created,
	// assigned_ever, assigned_now, done, cancelled, pending, completion,
	// reassigned, reassignments, wait p50/p90/p99, done p50/p90, sla tasks,
	// breaches, share within 15 min.
	checkTable(t, tables, "task_completion", []string{
		// t1 done (wait 300, done after 3600), t2 cancelled after assignment (wait 300), t5 waiting 153000 s.
		d1 + ",A,3,2,0,1,1,1,0.333333,0,0,300,300,300,3600,3600,3,1,0.666667",
		// t3 wait 108300, t4 wait 3900 and reassigned once; p90 = 3900 + 0.9·104400.
		d1 + ",B,2,2,1,1,0,0,0.5,1,1,56100,97860,107256,3600,3600,2,2,0",
		d1 + ",S,1,1,1,0,0,0,0,0,0,60,60,60,,,1,0,1",
		// t6 wait 3900, done after 1800; t8 cancelled before any assignment: outside the SLA.
		d2 + ",A,2,1,0,1,1,0,0.5,0,0,3900,3900,3900,1800,1800,1,1,0",
		d2 + ",B,1,1,1,0,0,0,0,0,0,600,600,600,,,1,0,1",
	})
	// Waits A [300 300 3900], B [600 3900 108300], S [60], all seven together.
	checkTable(t, tables, "latency_by_region", []string{
		"A,3,300,300,300,2100,3180,3828,3900,2,2700,3420,3582",
		"B,3,600,2250,3900,56100,87420,106212,108300,1,3600,3600,3600",
		"S,1,60,60,60,60,60,60,60,0,,,",
		"(all),7,60,300,600,3900,45660,102036,108300,3,3600,3600,3600",
	})
	// Per group of the latest assignment's worker: assigned tasks, assigned
	// now, done, cancelled, pending, completion, reassigned, reassignments,
	// wait p50/p90/p99, done p50/p90/p99, breaches.
	checkTable(t, tables, "completion_by_worker_group", []string{
		"(none),1,1,0,0,0,0,0,0,60,60,60,,,,0", // s1 on w9
		// t3 (wait 108300, assigned), t4 (3900, reassigned, done after 3600), t7 (600, assigned): p90 = 3900 + 0.8·104400.
		"bikes,3,2,1,0,0,0.333333,1,1,3900,87420,106212,3600,3600,3600,2",
		// t1 (300, done after 3600), t2 (300, cancelled) on w3, t6 (3900, done after 1800).
		"vans,3,0,2,1,0,0.666667,0,0,300,3180,3828,2700,3420,3582,1",
	})
	checkTable(t, tables, "latency_breaches", []string{
		"t5,north,A,2026-11-02T05:30:00Z,,153000", // never assigned: 42.5 h to the end of the range
		"t3,north,B,2026-11-02T00:00:00Z,2026-11-03T06:05:00Z,108300",
		"t4,north,B,2026-11-02T05:00:00Z,2026-11-02T06:05:00Z,3900",
		"t6,north,A,2026-11-03T05:00:00Z,2026-11-03T06:05:00Z,3900",
	})
	checkTable(t, tables, "latency_target", []string{d1 + ",900,6,3,0.5", d2 + ",900,2,1,0.5"})
	checkTable(t, tables, "pending_too_long", []string{
		"t0,north,A,2026-11-01T12:00:00Z,216000", // created before the range, still pending
		"t5,north,A,2026-11-02T05:30:00Z,153000",
	})

	// Loads now: w2 holds t3 and t7, w9 holds s1; w4 is inactive.
	checkTable(t, tables, "worker_utilization", []string{
		"w1,north,A,2,0,0", "w2,north,B,4,2,0.5", "w3,north,A,2,0,0", "w9,south,S,1,1,1",
	})
	checkTable(t, tables, "utilization_histogram", []string{
		"0,0.1,2", "0.1,0.2,0", "0.2,0.3,0", "0.3,0.4,0", "0.4,0.5,0",
		"0.5,0.6,1", "0.6,0.7,0", "0.7,0.8,0", "0.8,0.9,0", "0.9,1,1",
	})
	// [0 0 0.5 1]: Σ|xi − xj| over ordered pairs 7, / (2 · 4² · 0.375) = 7/12.
	checkTable(t, tables, "utilization_fairness", []string{"4,0.375,0.25,0.85,1,0.583333"})
	// Runs [1 2 4 5 10 20 30 40] s; stages of R1 and R2.
	checkTable(t, tables, "stage_durations", []string{"load,2,2,2.8,3", "plan,2,3,3.8,4", "run,8,7.5,33,40"})
	checkTable(t, tables, "engine_usage", []string{d1 + ",2,4,2.5,200"})
	checkTable(t, tables, "database_growth", []string{d1 + ",4,4,3", d2 + ",4,4,2"})

	// Cron every 6 h, 8 ticks. east: idle since its skip before the range,
	// 8 of 8 ran. north: 00:00, 06:00, 12:03 (late, skipped), 18:00 idle
	// after that skip, failed at 00:00, then 06:00, 12:00, 18:00: 7 of 8
	// ran. south: ran at 00:00; after an applied run an idle tick records
	// a skip, so the 7 empty windows are missed: 1 of 8.
	checkTable(t, tables, "cycles", []string{"east,8,8,0,0,0,1", "north,8,7,1,0,1,0.875", "south,8,1,0,7,0,0.125"})
	breaches := lines(tables["cycle_breaches"])
	wantBreaches := []string{
		"north,2026-11-02T12:00:00Z,late,2026-11-02T12:03:00Z,180",
		"north,2026-11-03T00:00:00Z,failed,2026-11-03T00:00:20Z,20",
		"south,2026-11-02T06:00:00Z,missed,,",
	}
	if len(breaches) != 9 || strings.Join(breaches[:3], "\n") != strings.Join(wantBreaches, "\n") {
		t.Errorf("cycle_breaches:\n%s\nwant 9 rows starting\n%s", strings.Join(breaches, "\n"), strings.Join(wantBreaches, "\n"))
	}

	// Independent queries over the same database.
	var assignments, leftOut int64
	must(t, db.Get(&assignments, `SELECT count(*) FROM paidan.assignment WHERE created_at >= '2026-11-02Z' AND created_at < '2026-11-04Z'`))
	must(t, db.Get(&leftOut, `SELECT count(DISTINCT (u.task_id, date_trunc('day', r.started_at, 'UTC'))) FROM paidan.unassigned u
		JOIN paidan.run r ON r.id = u.run_id WHERE r.started_at >= '2026-11-02Z' AND r.started_at < '2026-11-04Z'`))
	if got := sum(tables["dispatched"], "assignments"); got != float64(assignments) {
		t.Errorf("dispatched assignments sum to %g, count(*) says %d", got, assignments)
	}
	if got := sum(tables["left_out"], "tasks"); got != float64(leftOut) {
		t.Errorf("left_out tasks sum to %g, distinct (task, day) says %d", got, leftOut)
	}
	var taskBytes int64
	must(t, db.Get(&taskBytes, `SELECT pg_total_relation_size('paidan.task')`))
	size := tables["database_size"]
	found := false
	for _, row := range size.Rows {
		if row[0] == "task" {
			found = row[1].(int64) == taskBytes
		}
	}
	if !found {
		t.Errorf("database_size has no row task of %d bytes: %v", taskBytes, lines(size))
	}
}

func sum(t *report.Table, col string) float64 {
	var s float64
	for _, row := range t.Rows {
		switch v := row[t.Col(col)].(type) {
		case int64:
			s += float64(v)
		case float64:
			s += v
		}
	}
	return s
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestRecordUsageAsRuntimeRole(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	ctx := context.Background()
	must(t, execErr(owner, `INSERT INTO paidan.run (id, partition, status, finished_at) VALUES ('r1', 'north', 'failed', now())`))
	stages := map[string]time.Duration{"load": 1500 * time.Millisecond, "plan": 2 * time.Second}
	if err := postgres.RecordUsage(ctx, runtime, "r1", 3.25, 1<<30, stages); err != nil {
		t.Fatalf("record usage as the runtime role: %v", err)
	}
	var got struct {
		CPU    float64 `db:"cpu_seconds"`
		Peak   int64   `db:"peak_memory_bytes"`
		Stages string  `db:"stages"`
	}
	must(t, owner.Get(&got, `SELECT cpu_seconds, peak_memory_bytes, stages::text FROM paidan.run_usage WHERE run_id = 'r1'`))
	if got.CPU != 3.25 || got.Peak != 1<<30 || got.Stages != `{"load": 1.5, "plan": 2}` {
		t.Errorf("run_usage row = %+v, want 3.25 s, 1 GiB, load 1.5 plan 2", got)
	}
	if err := postgres.RecordUsage(ctx, runtime, "r1", 1, 1, nil); err == nil {
		t.Error("recording a run's usage twice succeeded, want a duplicate-key error")
	}
	if err := postgres.RecordUsage(ctx, runtime, "no-such-run", 1, 1, nil); err == nil {
		t.Error("recording the usage of an unknown run succeeded, want a foreign-key error")
	}
	if _, err := runtime.Exec(`UPDATE paidan.run_usage SET cpu_seconds = 0`); err == nil {
		t.Error("the runtime role changed a recorded usage; run_usage must be append-only for it")
	}
}

func TestBacklogReader(t *testing.T) {
	t.Parallel()
	db := seed(t)
	type row struct {
		Partition string
		Pending   int
		OldestAge time.Duration
	}
	var got []row
	var read jobs.BacklogFunc = postgres.BacklogReader{DB: db}.Read // what paidan schedule registers
	if err := read(context.Background(), func(p string, n int, age time.Duration) { got = append(got, row{p, n, age}) }); err != nil {
		t.Fatal(err)
	}
	// t0 and t5 are pending in north; the oldest, t0, was created 2026-11-01 12:00.
	if len(got) != 1 || got[0].Partition != "north" || got[0].Pending != 2 {
		t.Fatalf("backlog = %+v, want north with 2 pending", got)
	}
	var secs float64
	must(t, db.Get(&secs, `SELECT greatest(extract(epoch FROM now() - timestamptz '2026-11-01T12:00:00Z'), 0)::float8`))
	if want := time.Duration(secs * float64(time.Second)); got[0].OldestAge < want-time.Minute || got[0].OldestAge > want+time.Minute {
		t.Errorf("oldest age %v, want about %v", got[0].OldestAge, want)
	}
}

func execErr(db *sqlx.DB, query string) error {
	_, err := db.Exec(query)
	return err
}

// A partition's report holds its runs, assignments and tasks alone.
func TestReportOfOnePartition(t *testing.T) {
	t.Parallel()
	db := seed(t)
	q := historyQuery(t)
	q.Partition = "south"
	data, err := postgres.Load(context.Background(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(data, q)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*report.Table{}
	for _, tab := range rep.Tables() {
		tables[tab.Name] = tab
	}
	const d1 = "2026-11-02T00:00:00Z"
	checkTable(t, tables, "runs", []string{d1 + ",south,1,0,0,0"})
	checkTable(t, tables, "dispatched", []string{d1 + ",south,S,1,1,5"})
	checkTable(t, tables, "left_out", nil)
	checkTable(t, tables, "distance_summary", []string{"1,5,5,5,5,5"})
	checkTable(t, tables, "task_completion", []string{d1 + ",S,1,1,1,0,0,0,0,0,0,60,60,60,,,1,0,1"})
	checkTable(t, tables, "latency_by_region", []string{"S,1,60,60,60,60,60,60,60,0,,,", "(all),1,60,60,60,60,60,60,60,0,,,"})
	checkTable(t, tables, "worker_utilization", []string{"w9,south,S,1,1,1"})
	checkTable(t, tables, "cycles", []string{"south,8,1,0,7,0,0.125"})
	checkTable(t, tables, "stage_durations", []string{"run,1,4,4,4"})
}

// The rollups (migration 00053) give every table the assignment rows give,
// for each period and for a range that starts inside a period (whose
// first period is read from the assignment rows), and rolling up twice
// changes nothing.
func TestRollupsGiveTheSameReport(t *testing.T) {
	t.Parallel()
	db := seed(t)
	ctx := context.Background()
	base := historyQuery(t)
	cut := base
	cut.From = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC) // after R1's and R8's assignments
	for name, q := range map[string]report.Query{"day": base, "week": withPeriod(base, report.Week),
		"month": withPeriod(base, report.Month), "cut day": cut, "cut week": withPeriod(cut, report.Week)} {
		live, err := postgres.LoadAssignments(ctx, db, q)
		if err != nil {
			t.Fatal(err)
		}
		rolled, err := postgres.Load(ctx, db, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range report.Inputs() {
			if in.Name == report.TableDatabaseSize {
				continue // the rollup tables grew between the two
			}
			got, want := lines(rolled.Tables[in.Name]), lines(live.Tables[in.Name])
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: table %s over the rollups:\n\t%s\nover the assignments:\n\t%s", name, in.Name,
					strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		}
	}
	var runs, regionRows, tasks, again int
	must(t, db.Get(&runs, `SELECT count(*) FROM paidan.run_rollup`))
	must(t, db.Get(&regionRows, `SELECT count(*) FROM paidan.run_region_rollup`))
	must(t, db.Get(&tasks, `SELECT count(*) FROM paidan.task_rollup`))
	// R1 R2 R5 R7 R8 applied; per run, region and time: R1 A, R2 B, R5 A and B, R7 B, R8 S; tasks t1 t2 t3 t4 t6 t7 s1.
	if runs != 5 || regionRows != 6 || tasks != 7 {
		t.Errorf("rollups hold %d runs, %d region rows, %d tasks; want 5, 6, 7", runs, regionRows, tasks)
	}
	must(t, db.Get(&again, `SELECT paidan.report_rollup()`))
	var t4 struct {
		N    int       `db:"assignments"`
		Last time.Time `db:"last_at"`
	}
	must(t, db.Get(&t4, `SELECT assignments, last_at FROM paidan.task_rollup WHERE task_id = 't4'`))
	if again != 0 || t4.N != 2 || !t4.Last.Equal(time.Date(2026, 11, 3, 6, 5, 0, 0, time.UTC)) {
		t.Errorf("second rollup rolled up %d runs, t4 has %d assignments, last %v; want 0, 2, 2026-11-03T06:05Z", again, t4.N, t4.Last)
	}
}

func withPeriod(q report.Query, p report.Period) report.Query {
	q.Period = p
	return q
}

// A role that may not roll up (here the owner, its EXECUTE revoked) gets
// the report from the assignment rows: the same figures, nothing rolled up.
func TestReportWithoutRollupPrivilege(t *testing.T) {
	t.Parallel()
	db := seed(t)
	must(t, execErr(db, `REVOKE EXECUTE ON FUNCTION paidan.report_rollup() FROM CURRENT_USER`))
	ok, err := postgres.RollUp(context.Background(), db)
	if err != nil || ok {
		t.Fatalf("RollUp without EXECUTE = %v, %v; want false, nil", ok, err)
	}
	q := historyQuery(t)
	data, err := postgres.Load(context.Background(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, data.Tables, "dispatched", []string{
		"2026-11-02T00:00:00Z,north,A,2,2,6", "2026-11-02T00:00:00Z,north,B,1,1,6", "2026-11-02T00:00:00Z,south,S,1,1,5",
		"2026-11-03T00:00:00Z,north,A,1,1,1", "2026-11-03T00:00:00Z,north,B,3,3,19",
	})
	checkTable(t, data.Tables, "distance_summary", []string{"8,4.625,4.5,7.2,9.72,10"})
	var rolled int
	must(t, db.Get(&rolled, `SELECT count(*) FROM paidan.run_rollup`))
	if rolled != 0 {
		t.Errorf("%d runs rolled up without the privilege", rolled)
	}
}
