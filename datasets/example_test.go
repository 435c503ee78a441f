package datasets_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
)

func ExampleGenerate() {
	b := datasets.Generate(datasets.GenOptions{Tasks: 1000, Seed: 7})
	fmt.Println(len(b.Tasks), "tasks,", len(b.Workers), "workers, as of", b.AsOf.Format("2006-01-02 15:04"))
	fmt.Println("first:", b.Tasks[0].ID, b.Workers[0].ID)

	dir, err := os.MkdirTemp("", "metro")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := file.Write(context.Background(), dir, b, file.WriteOptions{}); err != nil {
		log.Fatal(err)
	}
	ds, err := file.Load(context.Background(), dir, file.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("loaded as of", ds.Batch.AsOf.Format("2006-01-02 15:04"))
	// Output:
	// 1000 tasks, 50 workers, as of 2026-01-05 09:00
	// first: T000 W00
	// loaded as of 2026-01-05 09:00
}
