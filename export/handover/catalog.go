package handover

import (
	"context"
	"time"
)

// Kind is how a column's values are read and written: each PostgreSQL type
// maps to one kind, and each kind to one Parquet type.
type Kind int

// The kinds of column. Text covers every type without a closer Parquet
// equivalent (numeric, uuid, interval, inet, enums), written as its
// PostgreSQL text form.
const (
	KindText        Kind = iota // Parquet STRING; PostgreSQL's text form
	KindBool                    // Parquet BOOLEAN
	KindInt                     // Parquet INT64 (smallint, integer, bigint, oid)
	KindFloat                   // Parquet DOUBLE (real, double precision)
	KindTimestampTZ             // Parquet TIMESTAMP(MICROS, UTC-adjusted) (timestamptz)
	KindTimestamp               // Parquet TIMESTAMP(MICROS, local) (timestamp)
	KindDate                    // Parquet DATE (days since 1970-01-01)
	KindJSON                    // Parquet JSON (json, jsonb)
	KindBytes                   // Parquet BYTE_ARRAY (bytea)
	KindTextList                // Parquet LIST of STRING (any array, elements in their text form)
)

var kindNames = [...]string{
	KindText: "STRING", KindBool: "BOOLEAN", KindInt: "INT64", KindFloat: "DOUBLE",
	KindTimestampTZ: "TIMESTAMP(MICROS,UTC)", KindTimestamp: "TIMESTAMP(MICROS)",
	KindDate: "DATE", KindJSON: "JSON", KindBytes: "BYTE_ARRAY", KindTextList: "LIST<STRING>",
}

// ParquetType names the Parquet type a column of this kind is written as.
func (k Kind) ParquetType() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "UNKNOWN"
	}
	return kindNames[k]
}

// Table is one table of the schema as the catalog describes it.
type Table struct {
	Name    string   // without the schema: "task"
	Comment string   // COMMENT ON TABLE; empty when none
	Columns []Column // in the catalog's order
	Key     []string // primary key columns, in key order; empty when none
}

// Column is one column of a table.
type Column struct {
	Name    string
	Type    string // PostgreSQL's format_type: "timestamp with time zone", "text[]"
	Kind    Kind
	NotNull bool
	Comment string // COMMENT ON COLUMN; empty when none
}

// Value is one column value of a row, as the Source read it. Which field
// holds it depends on the column's Kind: Bool (KindBool), Int (KindInt;
// microseconds since 1970 for the timestamp kinds, days for KindDate),
// Float (KindFloat), Text (KindText, KindJSON), Bytes (KindBytes), List
// (KindTextList; a nil element is a NULL element). Null is a NULL value.
type Value struct {
	Null  bool
	Bool  bool
	Int   int64
	Float float64
	Text  string
	Bytes []byte
	List  []*string
}

// Snapshot is what a Source tells about the state it reads.
type Snapshot struct {
	At            time.Time // the reading transaction's time, UTC
	SchemaVersion int64     // latest applied migration
	ServerVersion string    // the database server's version string
	Tables        []Table   // every table of the paidan schema, by name
}

// Source reads a consistent snapshot of the schema. Rows streams the
// columns cols of table t (a subset of t.Columns, in that order) in
// primary-key order, calling row once per row with one Value per column;
// row must not keep the slice. A Source reports each value it could not
// read as stored (a ±infinity time, text that is not UTF-8) through
// problem and reads it as NULL or with U+FFFD instead.
type Source interface {
	Snapshot() Snapshot
	Rows(ctx context.Context, t Table, cols []Column, row func([]Value) error, problem func(string)) error
}
