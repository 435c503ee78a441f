package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaintenanceWindow is an announced maintenance window in force: the
// scheduler does not run its partition (every partition when Partition is
// "") between Start and End.
type MaintenanceWindow struct {
	ID         int64
	Partition  string // "" for every partition
	Start, End time.Time
	Message    string
}

// covers reports whether w applies to partition.
func (w MaintenanceWindow) covers(partition string) bool {
	return w.Partition == "" || w.Partition == partition
}

// MaintenanceSource lists the maintenance windows active at now: not
// cancelled, Start <= now < End.
type MaintenanceSource interface {
	ActiveMaintenance(ctx context.Context, now time.Time) ([]MaintenanceWindow, error)
}

// outsideMaintenance returns parts without those an active maintenance
// window covers, logging each one skipped. A scheduler without a
// MaintenanceSource skips nothing; one whose windows cannot be read fails
// the cycle rather than dispatch into a window it cannot see.
func (s *Scheduler) outsideMaintenance(ctx context.Context, parts []string) ([]string, error) {
	if s.Maintenance == nil {
		return parts, nil
	}
	active, err := s.Maintenance.ActiveMaintenance(ctx, s.Runner.now())
	if err != nil {
		return nil, fmt.Errorf("read maintenance windows: %w", err)
	}
	if len(active) == 0 {
		return parts, nil
	}
	log := s.Runner.logger()
	return slices.DeleteFunc(slices.Clone(parts), func(p string) bool {
		i := slices.IndexFunc(active, func(w MaintenanceWindow) bool { return w.covers(p) })
		if i < 0 {
			return false
		}
		w := active[i]
		log.Info("partition in a maintenance window; skipped", "stage", "schedule", "partition", p,
			"maintenance_id", w.ID, "until", w.End, "message", w.Message)
		return true
	}), nil
}

// WithMaintenance registers paidan_maintenance_active{partition}: 1 for
// each partition ("*" for every partition) that an active maintenance
// window covers, read from src at every scrape with a 5 s timeout. A failed
// read leaves the gauge out of that scrape.
func WithMaintenance(src MaintenanceSource, now func() time.Time) MetricsOption {
	if now == nil {
		now = time.Now
	}
	return func(_ *Metrics, reg registerer) error {
		return reg.Register(&maintenanceCollector{src: src, now: now,
			active: prometheus.NewDesc("paidan_maintenance_active",
				`1 while an announced maintenance window is active for the partition ("*": every partition).`,
				[]string{"partition"}, nil)})
	}
}

type maintenanceCollector struct {
	src    MaintenanceSource
	now    func() time.Time
	active *prometheus.Desc
}

func (c *maintenanceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.active }

func (c *maintenanceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, err := c.src.ActiveMaintenance(ctx, c.now())
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, w := range ws {
		p := w.Partition
		if p == "" {
			p = "*"
		}
		if !seen[p] {
			seen[p] = true
			ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, 1, p)
		}
	}
}
