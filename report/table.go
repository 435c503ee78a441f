package report

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Kind is the type of a table column's values.
type Kind uint8

// Column kinds. A value of a column is nil (missing) or the Go type named.
const (
	String Kind = iota // string
	Int                // int64
	Float              // float64, finite
	Time               // time.Time, written in UTC
)

// Column describes one column of a Table.
type Column struct {
	Name string // snake_case: the CSV header and the Parquet field name
	Unit string // "km", "s", "tasks", ...; "" for a name or a code
	Kind Kind
}

// Table is one table of figures: shown in the HTML report and written as
// <Name>.csv and <Name>.parquet. Rows hold one value per column, of the
// column's Kind or nil.
type Table struct {
	Name    string // file name without extension; unique in a report
	Title   string
	Columns []Column
	Rows    [][]any
	// Source, when not nil, holds the rows instead of Rows (which is then
	// empty): a listing long enough that it is kept in a compact form and
	// turned into values one row at a time, as it is written.
	Source RowSource
}

// RowSource produces a listing's rows on demand (see Table.Source).
type RowSource interface {
	Len() int
	// Row returns row i (0 ≤ i < Len()) as a new slice of one value per
	// column.
	Row(i int) []any
}

// Len returns the number of rows.
func (t *Table) Len() int {
	if t.Source != nil {
		return t.Source.Len()
	}
	return len(t.Rows)
}

// Row returns row i (0 ≤ i < Len()).
func (t *Table) Row(i int) []any {
	if t.Source != nil {
		return t.Source.Row(i)
	}
	return t.Rows[i]
}

// Col returns the index of the named column; it panics when there is none
// (a programming error: tables and their readers are built together).
func (t *Table) Col(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	panic(fmt.Sprintf("report: table %s has no column %s", t.Name, name))
}

// Check reports a row whose width or value types do not match the columns.
func (t *Table) Check() error {
	for i := range t.Len() {
		row := t.Row(i)
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %s row %d: %d values for %d columns", t.Name, i+1, len(row), len(t.Columns))
		}
		for j, v := range row {
			if v == nil {
				continue
			}
			ok := false
			switch v := v.(type) {
			case string:
				ok = t.Columns[j].Kind == String
			case int64:
				ok = t.Columns[j].Kind == Int
			case float64:
				ok = t.Columns[j].Kind == Float && !math.IsNaN(v) && !math.IsInf(v, 0)
			case time.Time:
				ok = t.Columns[j].Kind == Time
			}
			if !ok {
				return fmt.Errorf("table %s row %d column %s: value %v (%T) is not a valid %s", t.Name, i+1, t.Columns[j].Name, v, v, t.Columns[j].Kind)
			}
		}
	}
	return nil
}

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Float:
		return "float"
	case Time:
		return "time"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// FormatValue is how a value appears in the HTML report and in CSV: times in
// RFC 3339 UTC, floats with up to 6 significant decimals, nil as "".
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(round6(v), 'f', -1, 64)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// round6 rounds to 6 decimals, so that printed figures do not depend on the
// last bits of a sum's order.
func round6(v float64) float64 {
	if math.Abs(v) >= 1e12 {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
