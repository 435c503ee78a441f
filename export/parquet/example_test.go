package parquet_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
)

func ExampleWrite() {
	root, err := os.MkdirTemp("", "paidan-export")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)

	plan := &paidan.Plan{
		RunID: "run-42",
		AsOf:  time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
		Assignments: []paidan.Assignment{
			{Task: "t1", Worker: "w1", Region: "north", DistanceKm: 2, Cost: paidan.Cost{Travel: 4}},
		},
		Unassigned: []paidan.Unassigned{
			{Task: "t2", Region: "north", Reason: paidan.NoSkill, Detail: "no worker with skill forklift", Penalty: 50},
		},
		Workers: []paidan.WorkerUsage{{Worker: "w1", Region: "north", Capacity: 3, Assigned: 1}},
		KPIs:    paidan.KPIs{ByRegion: []paidan.RegionSummary{{Region: "north"}}},
	}
	// A Hive-style directory per run, as BI tools read it.
	dir := filepath.Join(root, "date="+plan.AsOf.Format("2006-01-02"), "run="+plan.RunID)
	m, err := parquet.Write(context.Background(), dir, plan, parquet.Options{Version: "v0.1.0"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.RunID, "schema", m.SchemaVersion)
	for _, f := range m.Files {
		fmt.Println(f.Name, f.Rows)
	}
	// Output:
	// run-42 schema 2
	// assignments.parquet 1
	// unassigned.parquet 1
	// workers.parquet 1
	// summary.parquet 2
	// potentials.parquet 0
}
