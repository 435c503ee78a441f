package file_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/paidan/paidan/ingest/file"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "dataset")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"workers.csv": "id,regions,skills,capacity,lat,lon\n" +
			"W1,north,forklift,3,31.30,121.47\n" +
			"W2,north,,-1,31.31,121.48\n", // negative capacity
		"tasks.csv": "id,region,skills,lat,lon,created_at,pinned_worker\n" +
			"T1,north,forklift,31.29,121.46,2026-01-05T08:30:00Z,\n" +
			"T2,north,,31.32,121.45,2026-01-05T08:45:00Z,W2\n", // pinned to the bad worker
		"rules.yaml": "max_distance_km: 20\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	// Strict: the load fails and names every bad value.
	_, err = file.Load(context.Background(), dir, file.Options{})
	fmt.Println(err != nil)

	// Skipping invalid rows: the rest is planned, and every dropped row is
	// reported.
	ds, err := file.Load(context.Background(), dir, file.Options{SkipInvalid: true})
	if err != nil {
		log.Fatal(err)
	}
	b := ds.Batch
	fmt.Println(len(b.Tasks), "task,", len(b.Workers), "worker, as of", b.AsOf.Format("15:04"), "max", ds.Rules.MaxDistanceKm, "km")
	for _, skipped := range ds.Skipped {
		fmt.Println(skipped)
	}
	// Output:
	// true
	// 1 task, 1 worker, as of 08:30 max 20 km
	// workers.csv:3:4: capacity: -1: paidan: negative value
	// tasks.csv:3:7: pinned_worker: worker "W2" was rejected (workers.csv line 3): paidan: unknown reference
}
