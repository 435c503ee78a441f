package jobs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paidan/paidan"
)

// Metrics are the Prometheus metrics of the runs:
//
//	paidan_runs_total{outcome}                      counter: runs by applied, skipped, failed
//	paidan_run_stage_duration_seconds{stage}        histogram: lock, load, plan, write, export, record
//	paidan_tasks_assigned_total                     counter: assignments written back
//	paidan_tasks_unassigned_total{reason}           counter: tasks the plans left out, by reason code
//	paidan_conflicts_total{kind}                    counter: assignments the write-back refused, by kind
//	paidan_rows_poisoned_total                      counter: rows the loads left out
//	paidan_export_failures_total                    counter: applied runs whose export failed
//	paidan_last_success_timestamp_seconds{partition} gauge: end of the last run that applied or had nothing to do
//
// A nil *Metrics records nothing. Its methods are safe for concurrent use.
type Metrics struct {
	runs        *prometheus.CounterVec
	stages      *prometheus.HistogramVec
	assigned    prometheus.Counter
	unassigned  *prometheus.CounterVec
	conflicts   *prometheus.CounterVec
	poisoned    prometheus.Counter
	exportFails prometheus.Counter
	lastSuccess *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg (pass a
// prometheus.NewRegistry(), not the global one). It returns the
// registration error, e.g. when reg already holds them.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paidan_runs_total", Help: "Planning runs by outcome (applied, skipped, failed).",
		}, []string{"outcome"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paidan_run_stage_duration_seconds",
			Help:    "Duration of each stage of a run, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms … 262 s
		}, []string{"stage"}),
		assigned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_tasks_assigned_total", Help: "Assignments written back.",
		}),
		unassigned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paidan_tasks_unassigned_total", Help: "Tasks the plans left unassigned, by reason.",
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
	}
	for _, c := range []prometheus.Collector{m.runs, m.stages, m.assigned, m.unassigned, m.conflicts,
		m.poisoned, m.exportFails, m.lastSuccess} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Make every outcome visible from the start, so that rates work.
	for _, s := range []paidan.RunStatus{paidan.RunApplied, paidan.RunSkipped, paidan.RunFailed} {
		m.runs.WithLabelValues(s.String())
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
	m.assigned.Add(float64(res.Assigned))
	for reason, n := range res.Unassigned {
		m.unassigned.WithLabelValues(reason.String()).Add(float64(n))
	}
	for _, kind := range res.Conflicts {
		m.conflicts.WithLabelValues(kind).Inc()
	}
	m.poisoned.Add(float64(len(res.Poisoned)))
	if res.Status == paidan.RunApplied && res.Err != nil {
		m.exportFails.Inc()
	}
	if res.Status == paidan.RunApplied || (res.Status == paidan.RunSkipped && res.Reason != SkipLocked) {
		m.lastSuccess.WithLabelValues(res.Partition).SetToCurrentTime()
	}
}
