package report_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/report"
)

func TestGini(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    []float64
		want float64
	}{
		{"empty", nil, 0},
		{"all zero", []float64{0, 0}, 0},
		{"equal", []float64{0.5, 0.5, 0.5}, 0},
		{"one holds all of two", []float64{0, 1}, 0.5},         // Σ|xi−xj| = 2, / (2·4·0.5)
		{"hand", []float64{1, 0, 0.5, 0}, 7.0 / 12},            // ordered pairs sum 7, / (2·16·0.375)
		{"one holds all of four", []float64{0, 0, 0, 4}, 0.75}, // (n−1)/n
	} {
		if got := report.Gini(tc.x); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Gini(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
		}
	}
}

func TestQuantileInterpolatesLikePercentileCont(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 3, 4, 5, 6, 6, 10}
	// percentile_cont: rank p·(n−1) between closest values.
	for p, want := range map[float64]float64{0: 1, 0.5: 4.5, 0.9: 7.2, 0.99: 9.72, 1: 10} {
		if got := report.Quantile(x, p); math.Abs(got-want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", p, got, want)
		}
	}
	if !math.IsNaN(report.Quantile(nil, 0.5)) {
		t.Error("Quantile of nothing is not NaN")
	}
}

func TestPeriodStart(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 5, 23, 59, 0, 0, time.FixedZone("UTC+8", 8*3600)) // 15:59 UTC, a Thursday
	for p, want := range map[report.Period]string{
		report.Day: "2026-11-05T00:00:00Z", report.Week: "2026-11-02T00:00:00Z", report.Month: "2026-11-01T00:00:00Z",
	} {
		if got := report.PeriodStart(at, p).Format(time.RFC3339); got != want {
			t.Errorf("PeriodStart(%s) = %s, want %s", p, got, want)
		}
	}
	if got := report.PeriodStart(time.Date(2026, 11, 8, 12, 0, 0, 0, time.UTC), report.Week).Format(time.DateOnly); got != "2026-11-02" {
		t.Errorf("a Sunday's week starts %s, want Monday 2026-11-02", got)
	}
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.1: 2, 10: 10, 37: 50, 120: 200} {
		if got := report.NiceCeil(v); math.Abs(got-want) > 1e-9 {
			t.Errorf("NiceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestParseFormats(t *testing.T) {
	t.Parallel()
	got, err := report.ParseFormats("html, pdf,html,csv")
	if err != nil || len(got) != 3 {
		t.Errorf("ParseFormats = %v, %v; want html, pdf, csv", got, err)
	}
	if _, err := report.ParseFormats("html,docx"); err == nil || !strings.Contains(err.Error(), "docx") {
		t.Errorf("ParseFormats(docx) error %v, want one naming docx", err)
	}
}

func TestTableCheck(t *testing.T) {
	t.Parallel()
	tab := &report.Table{Name: "x", Columns: []report.Column{{Name: "n", Kind: report.Int}, {Name: "v", Kind: report.Float}}}
	tab.Rows = [][]any{{int64(1), 2.5}, {nil, nil}}
	if err := tab.Check(); err != nil {
		t.Errorf("valid rows: %v", err)
	}
	for _, bad := range [][]any{{1, 2.5}, {int64(1), math.NaN()}, {int64(1)}} {
		tab.Rows = [][]any{bad}
		if err := tab.Check(); err == nil {
			t.Errorf("row %v passed the check", bad)
		}
	}
}

type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// With a fixed interval the scheduler's phase is its own: cycles are
// windows from --from, and lateness is measured from the previous start.
func TestCyclesFixedInterval(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := func(m, s int) time.Time { return from.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second) }
	runs := []report.RunTime{
		{Partition: "p", Start: at(0, 40), Status: "applied"},  // window 0
		{Partition: "p", Start: at(10, 40), Status: "applied"}, // window 1, on time (phase 40 s)
		{Partition: "p", Start: at(22, 50), Status: "applied"}, // window 2, 2m10s after 10:40 + 10m: late
		// window 3 (30–40 min): missed
		{Partition: "p", Start: at(42, 50), Status: "failed"},  // window 4: failed
		{Partition: "p", Start: at(52, 50), Status: "applied"}, // window 5: on time after the failed start
	}
	q := report.Query{From: from, To: from.Add(time.Hour), Period: report.Day,
		Schedule: every(10 * time.Minute), Fixed: 10 * time.Minute, ScheduleText: "every 10m"}
	data := &report.Data{Tables: map[string]*report.Table{}, Runs: runs}
	for _, in := range report.Inputs() {
		data.Tables[in.Name] = in
	}
	data.Tables[report.TableDistanceSummary].Rows = [][]any{{int64(0), nil, nil, nil, nil, nil}}
	rep, err := report.Build(data, q)
	if err != nil {
		t.Fatal(err)
	}
	// Tables without rows draw no plot, and say so.
	var html strings.Builder
	if err := rep.WriteHTML(&html, from); err != nil {
		t.Fatalf("WriteHTML of a report without data: %v", err)
	}
	if !strings.Contains(html.String(), "Tasks left out, by reason: no data in the range.") {
		t.Error("the HTML does not say that the left-out plot has no data")
	}
	var cycles, breaches *report.Table
	for _, tab := range rep.Tables() {
		switch tab.Name {
		case "cycles":
			cycles = tab
		case "cycle_breaches":
			breaches = tab
		}
	}
	// due 6, ran 4 (0, 1, 2, 5), failed 1, missed 1, late 1.
	if got := rowText(cycles.Rows[0]); got != "p,6,4,1,1,1,0.666667" {
		t.Errorf("cycles = %s, want p,6,4,1,1,1,0.666667", got)
	}
	var kinds []string
	for _, row := range breaches.Rows {
		kinds = append(kinds, row[2].(string))
	}
	if got := strings.Join(kinds, ","); got != "late,missed,failed" {
		t.Errorf("breaches %s, want late,missed,failed", got)
	}
	if got := report.FormatValue(breaches.Rows[0][4]); got != "130" {
		t.Errorf("late by %s s, want 130", got)
	}
}

// TestCyclesIdleAfterSkip is the regression for idle cycles counted as
// missed: a skipped run is recorded once per change of state, so the
// windows after it have no run, yet the scheduler ran them. They count as
// ran until the next recorded run; a skip before the range carries in, and
// after an applied run an empty window is missed again.
func TestCyclesIdleAfterSkip(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := func(m, s int) time.Time { return from.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second) }
	runs := []report.RunTime{
		{Partition: "p", Start: at(-5, 0), Status: "skipped"}, // before the range: idle from window 0
		{Partition: "p", Start: at(20, 5), Status: "applied"}, // window 2; windows 0 and 1 idle
		{Partition: "p", Start: at(30, 5), Status: "skipped"}, // window 3, on time; windows 4 and 5 idle
		{Partition: "q", Start: at(0, 5), Status: "applied"},  // window 0
		{Partition: "q", Start: at(10, 5), Status: "failed"},  // window 1: failed
		{Partition: "q", Start: at(20, 5), Status: "skipped"}, // window 2; window 3 idle
		{Partition: "q", Start: at(42, 0), Status: "applied"}, // window 4: 10:00 after the idle 30:05 + 10m: 1m55s late
		{Partition: "r", Start: at(-5, 0), Status: "applied"}, // before the range, not skipped: carries nothing
	}
	q := report.Query{From: from, To: from.Add(time.Hour), Period: report.Day,
		Schedule: every(10 * time.Minute), Fixed: 10 * time.Minute, ScheduleText: "every 10m"}
	data := &report.Data{Tables: map[string]*report.Table{}, Runs: runs}
	for _, in := range report.Inputs() {
		data.Tables[in.Name] = in
	}
	data.Tables[report.TableDistanceSummary].Rows = [][]any{{int64(0), nil, nil, nil, nil, nil}}
	rep, err := report.Build(data, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tab := range rep.Tables() {
		if tab.Name == "cycles" {
			for _, row := range tab.Rows {
				got = append(got, rowText(row))
			}
		}
	}
	// p: 6 of 6 ran. q: 0, 2, 3 (idle), 4 ran; 1 failed; 5 missed after
	// the applied run at 42:00; 4 was late. r: 6 missed.
	want := []string{"p,6,6,0,0,0,1", "q,6,4,1,1,1,0.666667", "r,6,0,0,6,0,0"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cycles = %v, want %v", got, want)
	}
}

func rowText(row []any) string {
	s := make([]string, len(row))
	for i, v := range row {
		s[i] = report.FormatValue(v)
	}
	return strings.Join(s, ",")
}
