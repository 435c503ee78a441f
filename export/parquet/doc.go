// Package parquet exports a *paidan.Plan as Parquet files for analysts and
// BI tools (DuckDB, Spark, pandas). It is the last stage of the pipeline:
//
//	source ──► ingest ──► model ──► solver ──► plan ──► write-back ──► export
//
// jobs (or the CLI) calls Write once per applied run with a directory of
// its choice, typically a Hive-style path under an export root:
//
//	dir := filepath.Join(root, "date="+plan.AsOf.UTC().Format("2006-01-02"), "run="+plan.RunID)
//	m, err := parquet.Write(ctx, dir, plan, parquet.Options{Version: version})
//
// Write creates five files, one row type each: AssignmentsFile
// (AssignmentRow), UnassignedFile (UnassignedRow), WorkersFile (WorkerRow),
// SummaryFile (SummaryRow: the overall figures, then one row per region)
// and PotentialsFile (PotentialRow: the plan's dual potentials), then
// ManifestFile, which lists them with row counts, sizes and SHA-256
// checksums. A directory with manifest.json is complete; one without is
// being written or was abandoned. Every cost is written twice: in cost
// units (the float64 nearest to the exact value) and in exact integer
// units of the resolution (the _units columns), which add up to the
// objective. ReadPlan reads an export back, checked against its manifest.
// Files are written through internal/atomicdir (temporary file, fsync,
// rename, directory fsync).
//
// The files use zstd compression, version 1 data pages, row groups of a
// bounded number of rows, UTC microsecond timestamps and only flat columns
// of BIGINT, DOUBLE, BOOLEAN, VARCHAR and TIMESTAMP WITH TIME ZONE (DuckDB
// names), so that any Parquet reader takes them. Every file carries the
// key-value metadata MetaRunID, MetaPartition, MetaRulesHash, MetaVersion
// and MetaSchemaVersion. The row types double as the schema for Go readers:
//
//	rows, err := parquetgo.ReadFile[parquet.AssignmentRow](path)
//
// The package depends on the root package, internal/atomicdir and
// parquet-go only. The DuckDB
// compatibility check lives in its own module, duckdbcheck, run by
// scripts/duckdb-check.
package parquet
