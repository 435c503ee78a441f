// Package datasets holds paidan's regression datasets and the generator of
// synthetic ones.
//
// In the pipeline it sits before ingest: a dataset is a directory that
// ingest/file loads (tasks, workers, optional rules.yaml). The checked-in
// regression datasets live in subdirectories of this one, each with the
// expected result of planning it. Generate builds seeded, metro-like
// batches of any size, from tens of tasks to millions, for tests,
// benchmarks and "paidan gen dispatch":
//
//	b := datasets.Generate(datasets.GenOptions{Tasks: 1000, Seed: 1})
//	err := file.Write(ctx, "out", b, file.WriteOptions{})
//
// The package imports only the root package and ingest/file.
package datasets
