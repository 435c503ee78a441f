// Package report builds paidan's periodic operations report: dispatch
// statistics, task completion, resource usage and service levels over a date
// range, as tables of figures, plots of those figures (gonum/plot, inline
// SVG), one self-contained HTML page, and one Parquet and one CSV file per
// table.
//
// It sits beside the pipeline, not in it: an adapter (report/postgres) reads
// the input tables of a Query from the database into a Data, Build derives
// the report's other tables and its plots, and WriteDir writes the files
// (the PDF through a Printer such as report/chromium.Print):
//
//	q := report.Query{From: from, To: to, Period: report.Day}
//	data, err := postgres.Load(ctx, db, q)
//	rep, err := report.Build(data, q)
//	files, err := rep.WriteDir(ctx, "out", []report.Format{report.HTML, report.Parquet}, time.Now(), nil)
//
// Where each derived figure is decided:
//
//	build.go    sections, per-period sums, histograms, the items and their plots
//	cycles.go   scheduled against actual cycles: ran, failed, missed, late
//	stats.go    quantiles (as PostgreSQL's percentile_cont), Gini, period starts
//	inputs.go   the input tables an adapter fills, with their columns and units
//	plot.go     drawing; html.go the page; files.go CSV, Parquet and the directory
//
// Everything but the generation time depends only on the Data: the same
// data gives byte-identical HTML apart from the element of class
// GeneratedClass.
package report
