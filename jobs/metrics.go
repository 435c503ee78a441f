package jobs

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/paidan/paidan"
)

// Metrics are the Prometheus metrics of the runs:
//
//	paidan_runs_total{outcome}                        counter: runs by applied, skipped, failed
//	paidan_run_duration_seconds{outcome}              histogram: whole runs, by outcome
//	paidan_run_stage_duration_seconds{stage}          histogram: lock, load, plan, write, export, record
//	paidan_tasks_assigned_total                       counter: assignments written back
//	paidan_tasks_unassigned{partition,reason}         gauge: tasks the partition's latest plan left out, by reason
//	paidan_unassigned_task_runs_total{reason}         counter: (task, run) pairs left out; a task left out by n runs counts n times
//	paidan_conflicts_total{kind}                      counter: assignments the write-back refused, by kind
//	paidan_rows_poisoned_total                        counter: rows the loads left out
//	paidan_export_failures_total                      counter: applied runs whose export failed
//	paidan_last_success_timestamp_seconds{partition}  gauge: end of the last run that applied or had nothing to do
//	paidan_backlog_tasks{partition}                   gauge: pending tasks now (WithBacklog)
//	paidan_backlog_oldest_age_seconds{partition}      gauge: how long the oldest pending task has waited (WithBacklog)
//	paidan_backlog_errors_total                       counter: backlog reads that failed, and partition names not UTF-8 (WithBacklog)
//	paidan_run_cpu_seconds                            histogram: the process's CPU seconds during each run
//	paidan_run_peak_memory_bytes                      gauge: the Go runtime's peak memory during the latest run
//	paidan_usage_record_errors_total                  counter: runs whose Usage could not be stored (WithUsageRecorder)
//
// and the Go runtime's (go_*) and the process's (process_*) standard
// collectors.
//
// paidan_tasks_unassigned is a gauge, not a counter: a task that waits
// through three cycles is one task left out, not three. Each run that plans
// sets its partition's values (0 for the reasons it did not use); a run with
// nothing pending sets them all to 0; a failed or locked-out run leaves them.
//
// A nil *Metrics records nothing. Its methods are safe for concurrent use.
type Metrics struct {
	runs          *prometheus.CounterVec
	runDuration   *prometheus.HistogramVec
	stages        *prometheus.HistogramVec
	assigned      prometheus.Counter
	unassigned    *prometheus.GaugeVec
	unassignedRun *prometheus.CounterVec
	conflicts     *prometheus.CounterVec
	poisoned      prometheus.Counter
	exportFails   prometheus.Counter
	lastSuccess   *prometheus.GaugeVec
	runCPU        prometheus.Histogram
	runPeak       prometheus.Gauge
	usageErrs     prometheus.Counter
	usageRec      UsageRecorder
}

// MetricsOption adds to the metrics NewMetrics registers.
type MetricsOption func(m *Metrics, reg registerer) error

// registerer is prometheus.Registerer, named so that options read well.
type registerer = prometheus.Registerer

// BacklogFunc reads the backlog of every partition with pending tasks: it
// calls each once per partition with its pending tasks and how long the
// oldest of them has waited, and returns the read's error. It speaks only
// standard types, so that the reader (report/postgres.BacklogReader) needs
// no import of this package.
type BacklogFunc func(ctx context.Context, each func(partition string, pending int, oldestAge time.Duration)) error

// backlog is the pending work of one partition at one moment.
type backlog struct {
	partition string
	pending   int
	oldestAge time.Duration
}

// WithBacklog registers the backlog gauges, read by read at every scrape
// (with a 5 s timeout). A failed read leaves the gauges out of that scrape
// and counts in paidan_backlog_errors_total, so /metrics keeps answering
// while the database is away. A partition name that is not valid UTF-8 is
// exported with its invalid bytes replaced by U+FFFD and counts in
// paidan_backlog_errors_total at each scrape.
func WithBacklog(read BacklogFunc) MetricsOption {
	return func(_ *Metrics, reg registerer) error {
		c := &backlogCollector{
			read: read,
			pending: prometheus.NewDesc("paidan_backlog_tasks",
				"Pending tasks now, per partition.", []string{"partition"}, nil),
			age: prometheus.NewDesc("paidan_backlog_oldest_age_seconds",
				"How long the partition's oldest pending task has waited, in seconds.", []string{"partition"}, nil),
			errors: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "paidan_backlog_errors_total", Help: "Backlog reads that failed, and partition names that are not UTF-8.",
			}),
		}
		return reg.Register(c)
	}
}

type backlogCollector struct {
	read         BacklogFunc
	pending, age *prometheus.Desc
	errors       prometheus.Counter
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.age
	c.errors.Describe(ch)
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var rows []backlog
	err := c.read(ctx, func(partition string, pending int, oldestAge time.Duration) {
		rows = append(rows, backlog{partition, pending, oldestAge})
	})
	if err != nil {
		c.errors.Inc()
		rows = nil // a failed read exports no gauges, not a part of them
	}
	for _, b := range rows {
		// A partition name that is not UTF-8 (an SQL_ASCII database) is no
		// valid label value; its bytes are replaced, and it is counted, so
		// that one name never fails the whole scrape.
		part := b.partition
		if !utf8.ValidString(part) {
			c.errors.Inc()
			part = strings.ToValidUTF8(part, "\uFFFD")
		}
		pending, perr := prometheus.NewConstMetric(c.pending, prometheus.GaugeValue, float64(b.pending), part)
		age, aerr := prometheus.NewConstMetric(c.age, prometheus.GaugeValue, b.oldestAge.Seconds(), part)
		if perr != nil || aerr != nil {
			c.errors.Inc()
			continue
		}
		ch <- pending
		ch <- age
	}
	c.errors.Collect(ch)
}

// NewMetrics creates the metrics, the Go runtime and process collectors and
// those of opts, and registers them with reg (pass a
// prometheus.NewRegistry(), not the global one). It returns the
// registration error, e.g. when reg already holds them.
func NewMetrics(reg prometheus.Registerer, opts ...MetricsOption) (*Metrics, error) {
	durations := prometheus.ExponentialBuckets(0.001, 4, 10) // 1 ms … 262 s
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paidan_runs_total", Help: "Planning runs by outcome (applied, skipped, failed).",
		}, []string{"outcome"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "paidan_run_duration_seconds", Help: "Duration of whole runs by outcome, in seconds.", Buckets: durations,
		}, []string{"outcome"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "paidan_run_stage_duration_seconds", Help: "Duration of each stage of a run, in seconds.", Buckets: durations,
		}, []string{"stage"}),
		assigned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_tasks_assigned_total", Help: "Assignments written back.",
		}),
		unassigned: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paidan_tasks_unassigned", Help: "Tasks the partition's latest plan left unassigned, by reason.",
		}, []string{"partition", "reason"}),
		unassignedRun: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paidan_unassigned_task_runs_total",
			Help: "Tasks left unassigned, counted once per run that left them out, by reason.",
		}, []string{"reason"}),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paidan_conflicts_total", Help: "Planned assignments the write-back refused, by kind.",
		}, []string{"kind"}),
		poisoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_rows_poisoned_total", Help: "Rows the loads left out as unplannable.",
		}),
		exportFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_export_failures_total", Help: "Applied runs whose Parquet export failed.",
		}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paidan_last_success_timestamp_seconds",
			Help: "Unix time at which the partition's last run applied or had nothing to do.",
		}, []string{"partition"}),
		runCPU: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "paidan_run_cpu_seconds", Help: "CPU seconds of the process during each run.", Buckets: durations,
		}),
		runPeak: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "paidan_run_peak_memory_bytes", Help: "Peak memory the Go runtime held during the latest run, in bytes.",
		}),
		usageErrs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_usage_record_errors_total", Help: "Runs whose usage could not be stored.",
		}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.runDuration, m.stages, m.assigned, m.unassigned, m.unassignedRun,
		m.conflicts, m.poisoned, m.exportFails, m.lastSuccess, m.runCPU, m.runPeak, m.usageErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, opt := range opts {
		if err := opt(m, reg); err != nil {
			return nil, err
		}
	}
	// Make every outcome and reason visible from the start, so that rates work.
	for _, s := range []paidan.RunStatus{paidan.RunApplied, paidan.RunSkipped, paidan.RunFailed} {
		m.runs.WithLabelValues(s.String())
	}
	for _, r := range paidan.Reasons() {
		m.unassignedRun.WithLabelValues(r.String())
	}
	return m, nil
}

func (m *Metrics) observeStage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stages.WithLabelValues(stage).Observe(d.Seconds())
}

func (m *Metrics) observeRun(res *Result) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(res.Status.String()).Inc()
	m.runDuration.WithLabelValues(res.Status.String()).Observe(res.Duration.Seconds())
	m.assigned.Add(float64(res.Assigned))
	planned := res.Status == paidan.RunApplied || (res.Status == paidan.RunSkipped && res.Reason != SkipLocked)
	if planned {
		// A run with nothing pending has an empty Unassigned: every reason 0.
		for _, r := range paidan.Reasons() {
			m.unassigned.WithLabelValues(res.Partition, r.String()).Set(float64(res.Unassigned[r]))
		}
	}
	for reason, n := range res.Unassigned {
		m.unassignedRun.WithLabelValues(reason.String()).Add(float64(n))
	}
	for _, kind := range res.Conflicts {
		m.conflicts.WithLabelValues(kind).Inc()
	}
	m.poisoned.Add(float64(len(res.Poisoned)))
	if res.Status == paidan.RunApplied && res.Err != nil {
		m.exportFails.Inc()
	}
	if planned {
		m.lastSuccess.WithLabelValues(res.Partition).SetToCurrentTime()
	}
}
