// Package handover writes the end-of-contract export: every table of the
// paidan schema as a Parquet file, streamed from one consistent snapshot,
// with a data dictionary (Markdown and JSON) built from the live catalog
// and its COMMENT ON descriptions, and a manifest that lists every file
// with its size and SHA-256 and is checked by the backup package's
// verification.
//
// What is exported is decided per table by Policy: a table is exported
// (possibly without some columns, such as password and token hashes) or
// excluded with the reason. A table that Policy does not know (one added
// by a newer schema than this binary) is excluded and listed as such, so
// that an export never carries a column nobody reviewed.
//
// The package does not read the database itself: a Source (the adapter
// handover/postgres) gives the catalog and streams each table's rows as
// Values; Export writes them. Memory is bounded by one batch of rows and
// one Parquet row group of the table being written, whatever the row
// count.
package handover
