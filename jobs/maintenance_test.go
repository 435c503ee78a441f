package jobs_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/jobs"
)

// fakeMaintenance returns the windows of its current step.
type fakeMaintenance struct {
	mu      sync.Mutex
	windows []jobs.MaintenanceWindow
}

func (f *fakeMaintenance) ActiveMaintenance(context.Context, time.Time) ([]jobs.MaintenanceWindow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.windows), nil
}

func (f *fakeMaintenance) set(ws []jobs.MaintenanceWindow) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.windows = ws
}

// TestSchedulerSkipsPartitionsInMaintenance: a cycle during a window on
// north runs only south; once the window is over, north runs again.
func TestSchedulerSkipsPartitionsInMaintenance(t *testing.T) {
	t.Parallel()
	r, _, _ := newRunner(t, &fakeWriter{})
	r.Source = &fakeSource{batches: map[string]*paidan.Batch{
		"north": datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 3}),
		"south": datasets.Generate(datasets.GenOptions{Tasks: 20, Seed: 4}),
	}}
	m := &fakeMaintenance{windows: []jobs.MaintenanceWindow{{ID: 7, Partition: "north", Message: "database upgrade"}}}
	ctx, cancel := context.WithCancel(t.Context())
	var ran [][]string
	s := &jobs.Scheduler{Runner: r, Schedule: jobs.Every(time.Millisecond), Partitions: []string{"north", "south"},
		Maintenance: m, RunAtStart: true,
		OnCycle: func(results []*jobs.Result, err error) {
			if err != nil {
				t.Errorf("cycle: %v", err)
			}
			var parts []string
			for _, res := range results {
				parts = append(parts, res.Partition)
			}
			ran = append(ran, parts)
			switch len(ran) {
			case 1:
				m.set([]jobs.MaintenanceWindow{{ID: 8, Message: "everything"}}) // every partition
			case 2:
				m.set(nil) // the window is over
			case 3:
				cancel()
			}
		}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"south"}, nil, {"north", "south"}}
	if len(ran) != len(want) {
		t.Fatalf("cycles ran %v, want %v", ran, want)
	}
	for i := range want {
		if !slices.Equal(ran[i], want[i]) {
			t.Errorf("cycle %d ran %v, want %v", i, ran[i], want[i])
		}
	}
}

func TestMaintenanceGauge(t *testing.T) {
	t.Parallel()
	m := &fakeMaintenance{windows: []jobs.MaintenanceWindow{{ID: 1, Partition: "north"}, {ID: 2}, {ID: 3, Partition: "north"}}}
	reg := prometheus.NewRegistry()
	if _, err := jobs.NewMetrics(reg, jobs.WithMaintenance(m, nil)); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "paidan_maintenance_active" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			got[mt.GetLabel()[0].GetValue()] = mt.GetGauge().GetValue()
		}
	}
	if len(got) != 2 || got["north"] != 1 || got["*"] != 1 {
		t.Errorf("paidan_maintenance_active = %v; want north and * at 1", got)
	}
}
