package jobs

import (
	"context"
	"runtime/metrics"
	"sync"
	"time"
)

// Usage is what one run cost the engine's process, from the Go runtime.
type Usage struct {
	// CPUSeconds is the process's user and system CPU time during the run
	// (getrusage). Runs of other partitions at the same time count too.
	CPUSeconds float64
	// PeakMemoryBytes is the largest amount of memory the Go runtime held
	// from the operating system during the run (runtime/metrics
	// /memory/classes/total:bytes less the heap released back), sampled
	// every 10 ms and at the end.
	PeakMemoryBytes uint64
	// Stages are the durations of the run's stages (Result.Stages).
	Stages map[string]time.Duration
}

// UsageRecorder stores the usage of run runID (report/postgres.RecordUsage
// writes it into paidan.run_usage).
type UsageRecorder func(ctx context.Context, runID string, u Usage) error

// WithUsageRecorder has every run that has a row in the run record
// (Result.Recorded: applied runs, recorded failures, and a skipped run only
// when the partition's state changed since its last recorded skip) store
// its Usage with rec, on a context detached from the run's, bounded by
// 10 s. Runs without a row (locked out, unrecorded idle ticks, unknown
// partitions) store nothing: run_usage refers to paidan.run. A failure to store it is
// counted in paidan_usage_record_errors_total; the run's outcome stands.
func WithUsageRecorder(rec UsageRecorder) MetricsOption {
	return func(m *Metrics, reg registerer) error {
		m.usageRec = rec
		return nil
	}
}

// meterRun starts measuring the run res and returns the function that
// stops, records the run's usage in the metrics and, with a UsageRecorder,
// stores it. Runner.Run calls it first:
//
//	defer r.Metrics.meterRun(ctx, res)()
func (m *Metrics) meterRun(ctx context.Context, res *Result) func() {
	if m == nil {
		return func() {}
	}
	cpu0 := processCPU()
	stopMemory := SamplePeakMemory(10 * time.Millisecond)
	return func() {
		u := Usage{CPUSeconds: max(processCPU()-cpu0, 0), PeakMemoryBytes: stopMemory(), Stages: res.Stages}
		m.runCPU.Observe(u.CPUSeconds)
		m.runPeak.Set(float64(u.PeakMemoryBytes))
		if m.usageRec == nil || res.RunID == "" || !res.Recorded {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := m.usageRec(rctx, res.RunID, u); err != nil {
			m.usageErrs.Inc()
		}
	}
}

// SamplePeakMemory samples the memory the Go runtime holds from the
// operating system (runtime/metrics /memory/classes/total:bytes less the
// heap released back) at once and every interval, until stop, which takes
// a last sample and returns the largest. Usage.PeakMemoryBytes is measured
// with it; so is the report benchmark's peak.
func SamplePeakMemory(interval time.Duration) (stop func() uint64) {
	var (
		peak = goMemory() // written by the sampler alone until stop's Wait
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				peak = max(peak, goMemory())
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return max(peak, goMemory())
	}
}

// goMemory is the memory the Go runtime holds from the operating system.
func goMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}
