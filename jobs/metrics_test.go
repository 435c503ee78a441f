package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/jobs"
)

// scarceRunner plans the same batch on every run, with too few workers for
// its tasks, so that every plan leaves the same tasks out.
func scarceRunner(t *testing.T, reg prometheus.Registerer, opts ...jobs.MetricsOption) *jobs.Runner {
	t.Helper()
	b := datasets.Generate(datasets.GenOptions{Tasks: 60, Seed: 11})
	b.Workers = b.Workers[:2]
	n := 0
	m, err := jobs.NewMetrics(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Runner{
		Source:   &fakeSource{batches: map[string]*paidan.Batch{"north": b}},
		Writer:   &fakeWriter{},
		Locker:   &fakeLocker{},
		Rules:    paidan.DefaultRules(),
		Metrics:  m,
		NewRunID: func(p string) string { n++; return fmt.Sprintf("%s-%d", p, n) },
	}
}

// gather returns the registry's metric families by name.
func gather(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// total sums the values of a counter or gauge family.
func total(mf *dto.MetricFamily) float64 {
	var s float64
	for _, m := range mf.GetMetric() {
		s += m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return s
}

// The issue this guards against: 33 tasks left out by three cycles showed
// as 99. The gauge shows the latest plan's tasks, once each; the counter of
// task-runs counts each run.
func TestUnassignedCountsEachTaskOncePerPlan(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := scarceRunner(t, reg)
	var perRun int
	for range 3 {
		res := r.Run(t.Context(), "north")
		if res.Status != paidan.RunApplied {
			t.Fatalf("run %s: %s %v, want applied", res.RunID, res.Status, res.Err)
		}
		perRun = 0
		for _, n := range res.Unassigned {
			perRun += n
		}
	}
	if perRun == 0 {
		t.Fatal("the scarce batch left no task out; the test needs some")
	}
	got := gather(t, reg)
	if v := total(got["paidan_tasks_unassigned"]); v != float64(perRun) {
		t.Errorf("paidan_tasks_unassigned sums to %v after three runs, want the %d tasks of the latest plan", v, perRun)
	}
	if v := total(got["paidan_unassigned_task_runs_total"]); v != float64(3*perRun) {
		t.Errorf("paidan_unassigned_task_runs_total = %v, want 3 runs × %d", v, perRun)
	}
	for _, m := range got["paidan_tasks_unassigned"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "partition" && l.GetValue() != "north" {
				t.Errorf("paidan_tasks_unassigned has partition %q, want north", l.GetValue())
			}
		}
	}
	if _, ok := got["paidan_tasks_unassigned_total"]; ok {
		t.Error("paidan_tasks_unassigned_total, which counted a task once per cycle, is still exported")
	}

	// Once nothing is pending, the partition's gauge drops to 0.
	r.Source = &fakeSource{batches: map[string]*paidan.Batch{"north": {}}}
	if res := r.Run(t.Context(), "north"); res.Status != paidan.RunSkipped {
		t.Fatalf("empty batch: %s, want skipped", res.Status)
	}
	if v := total(gather(t, reg)["paidan_tasks_unassigned"]); v != 0 {
		t.Errorf("paidan_tasks_unassigned = %v after a run with nothing pending, want 0", v)
	}
}

func TestMetricsIncludeRuntimeProcessAndDurations(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := scarceRunner(t, reg)
	r.Run(t.Context(), "north")
	got := gather(t, reg)
	for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "paidan_run_duration_seconds", "paidan_run_stage_duration_seconds"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	var stages []string
	for _, m := range got["paidan_run_stage_duration_seconds"].GetMetric() {
		stages = append(stages, m.GetLabel()[0].GetValue())
		if m.GetHistogram().GetSampleCount() != 1 {
			t.Errorf("stage %s observed %d times, want 1", m.GetLabel()[0].GetValue(), m.GetHistogram().GetSampleCount())
		}
	}
	for _, want := range []string{jobs.StageLoad, jobs.StagePlan, jobs.StageWrite} {
		if !slices.Contains(stages, want) {
			t.Errorf("stage histograms %v lack %s", stages, want)
		}
	}
	if n := got["paidan_run_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); n != 1 {
		t.Errorf("paidan_run_duration_seconds observed %d runs, want 1", n)
	}
}

func TestBacklogGauges(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	fail := false
	read := func(_ context.Context, each func(string, int, time.Duration)) error {
		each("north", 33, 90*time.Second)
		if fail {
			return errors.New("database away") // after a partial read
		}
		each("south", 1, 0)
		return nil
	}
	if _, err := jobs.NewMetrics(reg, jobs.WithBacklog(read)); err != nil {
		t.Fatal(err)
	}
	got := gather(t, reg)
	if v := total(got["paidan_backlog_tasks"]); v != 34 {
		t.Errorf("paidan_backlog_tasks sums to %v, want 33 + 1", v)
	}
	if v := total(got["paidan_backlog_oldest_age_seconds"]); v != 90 {
		t.Errorf("paidan_backlog_oldest_age_seconds sums to %v, want 90", v)
	}
	fail = true
	got = gather(t, reg) // a failed read must not fail the scrape
	if _, ok := got["paidan_backlog_tasks"]; ok {
		t.Error("paidan_backlog_tasks exported from a failed read")
	}
	if v := total(got["paidan_backlog_errors_total"]); v != 1 {
		t.Errorf("paidan_backlog_errors_total = %v, want 1", v)
	}
}

// TestBacklogInvalidUTF8Partition is the regression for a partition name
// that is not UTF-8 (possible in an SQL_ASCII database) failing every
// scrape with a collector panic: the name is sanitised and counted, and
// the other partitions' gauges are still exported.
func TestBacklogInvalidUTF8Partition(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	read := func(_ context.Context, each func(string, int, time.Duration)) error {
		each("s\xffd", 2, time.Minute)
		each("north", 3, 0)
		return nil
	}
	if _, err := jobs.NewMetrics(reg, jobs.WithBacklog(read)); err != nil {
		t.Fatal(err)
	}
	got := gather(t, reg)
	var parts []string
	for _, m := range got["paidan_backlog_tasks"].GetMetric() {
		for _, l := range m.GetLabel() {
			parts = append(parts, l.GetValue())
		}
	}
	slices.Sort(parts)
	if want := []string{"north", "s\uFFFDd"}; !slices.Equal(parts, want) {
		t.Errorf("paidan_backlog_tasks partitions %q, want %q", parts, want)
	}
	if v := total(got["paidan_backlog_tasks"]); v != 5 {
		t.Errorf("paidan_backlog_tasks sums to %v, want 2 + 3", v)
	}
	if v := total(got["paidan_backlog_errors_total"]); v != 1 {
		t.Errorf("paidan_backlog_errors_total = %v, want 1 for the name that is not UTF-8", v)
	}
}

// TestDashboardNamesExistingMetrics checks that every query of the Grafana
// dashboard under deploy/ names a metric this package exports.
func TestDashboardNamesExistingMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := scarceRunner(t, reg, jobs.WithBacklog(func(_ context.Context, each func(string, int, time.Duration)) error {
		each("north", 1, 0)
		return nil
	}))
	r.Writer = &fakeWriter{conflicts: 1} // conflict kinds appear with the first conflict
	r.Run(t.Context(), "north")
	families := gather(t, reg)
	raw, err := os.ReadFile("../deploy/grafana/paidan.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("deploy/grafana/paidan.json: %v", err)
	}
	metricName := regexp.MustCompile(`\b(paidan|go|process)_[a-z_]+\b`)
	queries := 0
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			queries++
			names := metricName.FindAllString(target.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no metric", p.Title, target.Expr)
			}
			for _, name := range names {
				base := name
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(name, suffix); ok && families[b].GetType() == dto.MetricType_HISTOGRAM {
						base = b
					}
				}
				if _, ok := families[base]; !ok {
					t.Errorf("panel %q: query %q names %s, which is not exported", p.Title, target.Expr, name)
				}
			}
		}
	}
	if queries < 10 {
		t.Errorf("dashboard has %d queries, want the full set", queries)
	}
}

func TestUsageRecordedPerRun(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var got []jobs.Usage
	var ids []string
	r := scarceRunner(t, reg, jobs.WithUsageRecorder(func(_ context.Context, id string, u jobs.Usage) error {
		ids = append(ids, id)
		got = append(got, u)
		return nil
	}))
	res := r.Run(t.Context(), "north")
	if len(got) != 1 || ids[0] != res.RunID {
		t.Fatalf("usage recorded for %v, want once for %s", ids, res.RunID)
	}
	u := got[0]
	if u.CPUSeconds < 0 || u.PeakMemoryBytes == 0 {
		t.Errorf("usage %+v: want CPU ≥ 0 and a peak above 0", u)
	}
	if u.Stages[jobs.StagePlan] <= 0 || u.Stages[jobs.StagePlan] != res.Stages[jobs.StagePlan] {
		t.Errorf("usage stages %v, want the run's %v", u.Stages, res.Stages)
	}
	if n := gather(t, reg)["paidan_run_cpu_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); n != 1 {
		t.Errorf("paidan_run_cpu_seconds observed %d runs, want 1", n)
	}

	// A run skipped because another holds the partition is not recorded.
	lock, err := r.Locker.TryLock(t.Context(), "north")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(t.Context())
	if res := r.Run(t.Context(), "north"); res.Reason != jobs.SkipLocked {
		t.Fatalf("run while locked: %s %q, want skipped locked", res.Status, res.Reason)
	}
	if len(got) != 1 {
		t.Errorf("usage recorded %d times, want once: the locked-out run has no ledger row", len(got))
	}
}

// TestSamplePeakMemory checks that the sampler sees memory held for a
// while and given back to the operating system before stop.
func TestSamplePeakMemory(t *testing.T) {
	before := jobs.SamplePeakMemory(time.Millisecond)()
	stop := jobs.SamplePeakMemory(time.Millisecond)
	hold := func() {
		buf := make([]byte, 64<<20)
		for i := range buf {
			buf[i] = 1
		}
		time.Sleep(20 * time.Millisecond)
		runtime.KeepAlive(buf)
	}
	hold()
	runtime.GC()
	debug.FreeOSMemory()
	if peak := stop(); peak < before+48<<20 {
		t.Errorf("peak %d MiB with 64 MiB held, want at least %d MiB", peak>>20, (before+48<<20)>>20)
	}
}
