package datasets_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
)

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	opts := datasets.GenOptions{Tasks: 2000, Workers: 150, Seed: 42}
	a, b := datasets.Generate(opts), datasets.Generate(opts)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two batches from the same options differ")
	}
	opts.Seed = 43
	if c := datasets.Generate(opts); reflect.DeepEqual(a.Tasks, c.Tasks) {
		t.Error("seeds 42 and 43 gave the same tasks")
	}
}

func TestGenerateSizes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tasks, workers, wantWorkers int
	}{
		{0, 0, 0}, {1, 0, 1}, {10, 0, 1}, {30, 5, 5}, {1000, 0, 50}, {1000, 2000, 2000},
	} {
		t.Run(fmt.Sprintf("tasks=%d/workers=%d", tt.tasks, tt.workers), func(t *testing.T) {
			t.Parallel()
			b := datasets.Generate(datasets.GenOptions{Tasks: tt.tasks, Workers: tt.workers, Seed: 1})
			if len(b.Tasks) != tt.tasks || len(b.Workers) != tt.wantWorkers {
				t.Errorf("got %d tasks, %d workers; want %d, %d", len(b.Tasks), len(b.Workers), tt.tasks, tt.wantWorkers)
			}
		})
	}
}

// TestGenerateLoads writes generated batches and loads them back: every
// value is valid and survives the round trip.
func TestGenerateLoads(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 10, 3000} {
		for _, format := range []file.Format{file.CSV, file.Parquet} {
			t.Run(fmt.Sprintf("tasks=%d/%s", n, format), func(t *testing.T) {
				t.Parallel()
				b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 7})
				dir := t.TempDir()
				if err := file.Write(context.Background(), dir, b, file.WriteOptions{Format: format}); err != nil {
					t.Fatal(err)
				}
				var opts file.Options
				if n == 0 {
					opts.AsOf = b.AsOf // no task to take AsOf from
				}
				ds, err := file.Load(context.Background(), dir, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ds.Batch, b) {
					t.Error("loaded batch differs from the generated one")
				}
			})
		}
	}
}

func TestGenerateShape(t *testing.T) {
	t.Parallel()
	const n = 20000
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 3})
	workers := make(map[paidan.WorkerID]*paidan.Worker)
	remaining, twoRegions, floaters := 0, 0, 0
	var onNow, later, endingSoon, noShift, capped int
	for i := range b.Workers {
		w := &b.Workers[i]
		workers[w.ID] = w
		remaining += w.Remaining()
		switch len(w.Regions) {
		case 0:
			floaters++
			if slices.Contains(w.Skills, "marine") {
				t.Errorf("worker %s serves every region with skill marine", w.ID)
			}
		case 2:
			twoRegions++
		}
		if len(w.Skills) < 1 || len(w.Skills) > 5 {
			t.Errorf("worker %s has %d skills, want 1–4 (+marine)", w.ID, len(w.Skills))
		}
		switch start, end := w.ShiftStart, w.ShiftEnd; {
		case start.IsZero() && end.IsZero():
			noShift++
		case start.After(b.AsOf):
			later++
		case end.Sub(b.AsOf) <= time.Hour:
			endingSoon++
		default:
			onNow++
		}
		if w.MaxDistanceKm > 0 {
			capped++
		}
		if slices.Contains(w.Skills, "crane") || slices.Contains(w.Regions, datasets.PortRegion) {
			t.Errorf("worker %s has crane or serves the port: %+v", w.ID, w)
		}
	}
	if r := float64(remaining) / n; r < 1.05 || r > 1.3 {
		t.Errorf("remaining capacity / tasks = %.3f, want in [1.05, 1.3]", r)
	}
	if twoRegions == 0 || floaters == 0 {
		t.Errorf("%d workers serve two regions and %d every region, want some of each", twoRegions, floaters)
	}
	nw := len(b.Workers)
	if onNow < nw/2 || later == 0 || endingSoon == 0 || noShift == 0 || capped == 0 {
		t.Errorf("shifts: %d on now, %d later, %d ending within the hour, %d unbounded, %d with a distance cap, of %d workers; want most on now and some of each",
			onNow, later, endingSoon, noShift, capped, nw)
	}

	regions := make(map[string]int)
	var pinned, previous, offToday, crane, port, far, overdue int
	for _, task := range b.Tasks {
		regions[task.Region]++
		if len(task.Skills) > 2 || task.Priority < 0 || task.Priority > 3 {
			t.Errorf("task %s: %d skills, priority %d", task.ID, len(task.Skills), task.Priority)
		}
		if task.CreatedAt.After(b.AsOf) {
			t.Errorf("task %s created at %v after AsOf %v", task.ID, task.CreatedAt, b.AsOf)
		}
		if task.PinnedWorker != "" {
			pinned++
			if workers[task.PinnedWorker] == nil {
				t.Errorf("task %s pinned to missing worker %s", task.ID, task.PinnedWorker)
			}
		}
		if task.PreviousWorker != "" {
			previous++
			if workers[task.PreviousWorker] == nil {
				offToday++
			}
		}
		if slices.Contains(task.Skills, "crane") {
			crane++
		}
		if task.Region == datasets.PortRegion {
			port++
		}
		if distanceKm(task.Location.Lat, task.Location.Lon, datasets.CentreLat, datasets.CentreLon) > 55 {
			far++
		}
		if !task.DueAt.IsZero() && task.DueAt.Before(b.AsOf) {
			overdue++
		}
	}
	for _, r := range append(datasets.Regions(), datasets.PortRegion) {
		if regions[r] == 0 {
			t.Errorf("no task in region %s", r)
		}
	}
	hard := n / 50 / 4
	for _, c := range []struct {
		name     string
		got, min int
		max      int
	}{
		{"pinned", pinned, n / 400, n / 100},
		{"previous", previous, n / 50, n / 20},
		{"previous off today", offToday, 1, previous / 2},
		{"needing crane", crane, hard, hard + 1},
		{"in the port", port, hard, hard + 1},
		{"beyond 55 km", far, hard, hard + 1},
		{"overdue", overdue, hard, hard + 1},
	} {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%d tasks %s, want %d to %d", c.got, c.name, c.min, c.max)
		}
	}
}

// distanceKm is the haversine distance on a sphere of radius 6371 km.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * 6371 * math.Asin(math.Sqrt(h))
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint("tasks=", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 1})
			}
		})
	}
}

// TestGenerateIDPrefix: a prefix is prepended to every task and worker id
// and to every pin and previous worker (the generator's hard tasks may
// name a worker the batch lacks; they keep doing so); nothing else
// changes, and two prefixes share no id.
func TestGenerateIDPrefix(t *testing.T) {
	t.Parallel()
	opts := datasets.GenOptions{Tasks: 400, Seed: 11}
	plain := datasets.Generate(opts)
	opts.IDPrefix = "north-"
	b := datasets.Generate(opts)
	for i, w := range b.Workers {
		if w.ID != "north-"+plain.Workers[i].ID {
			t.Fatalf("worker %d: id %q; want %q", i, w.ID, "north-"+plain.Workers[i].ID)
		}
		w.ID = plain.Workers[i].ID
		if !reflect.DeepEqual(w, plain.Workers[i]) {
			t.Errorf("worker %s differs beyond its id:\n%+v\n%+v", plain.Workers[i].ID, w, plain.Workers[i])
		}
	}
	refs := 0
	for i, tk := range b.Tasks {
		p := plain.Tasks[i]
		if tk.ID != "north-"+p.ID {
			t.Fatalf("task %d: id %q; want %q", i, tk.ID, "north-"+p.ID)
		}
		for _, c := range []struct{ got, plain paidan.WorkerID }{{tk.PinnedWorker, p.PinnedWorker}, {tk.PreviousWorker, p.PreviousWorker}} {
			if c.plain == "" {
				if c.got != "" {
					t.Errorf("task %s names worker %q; want none", tk.ID, c.got)
				}
				continue
			}
			refs++
			if c.got != "north-"+c.plain {
				t.Errorf("task %s names worker %q; want north-%s", tk.ID, c.got, c.plain)
			}
		}
		tk.ID, tk.PinnedWorker, tk.PreviousWorker = p.ID, p.PinnedWorker, p.PreviousWorker
		if !reflect.DeepEqual(tk, p) {
			t.Errorf("task %s differs beyond its ids", p.ID)
		}
	}
	if refs == 0 {
		t.Fatal("no task names a worker: the references went untested")
	}
	opts.IDPrefix = "south-"
	other := datasets.Generate(opts)
	for i := range b.Tasks {
		if b.Tasks[i].ID == other.Tasks[i].ID {
			t.Fatalf("prefixes north- and south- share task id %s", b.Tasks[i].ID)
		}
	}
}
