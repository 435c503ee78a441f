package handover

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Dictionary describes every table and column of the schema: its type in
// PostgreSQL and in the export, whether it is exported, and its meaning
// (the catalog's COMMENT ON text). It is written as dictionary.json and,
// for people, as dictionary.md.
type Dictionary struct {
	Schema        string            `json:"schema"` // "paidan"
	SchemaVersion int64             `json:"schema_version"`
	SnapshotAt    time.Time         `json:"snapshot_at"`
	Tables        []DictionaryTable `json:"tables"`
}

// DictionaryTable is one table of a Dictionary.
type DictionaryTable struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	File        string             `json:"file,omitempty"`     // empty when excluded
	Excluded    string             `json:"excluded,omitempty"` // why it is not exported
	PrimaryKey  []string           `json:"primary_key,omitempty"`
	Columns     []DictionaryColumn `json:"columns"`
}

// DictionaryColumn is one column of a DictionaryTable.
type DictionaryColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`                   // PostgreSQL type
	ParquetType string `json:"parquet_type,omitempty"` // empty when not exported
	Nullable    bool   `json:"nullable"`
	Description string `json:"description"`
	Omitted     string `json:"omitted,omitempty"` // why the column is not exported
}

// NewDictionary builds the dictionary of snap under the decisions of plan.
func NewDictionary(snap Snapshot, plan []TablePlan) *Dictionary {
	d := &Dictionary{Schema: "paidan", SchemaVersion: snap.SchemaVersion, SnapshotAt: snap.At.UTC()}
	for _, p := range plan {
		dt := DictionaryTable{Name: p.Table.Name, Description: p.Table.Comment, File: p.File,
			Excluded: p.Excluded, PrimaryKey: p.Table.Key, Columns: []DictionaryColumn{}}
		for _, c := range p.Table.Columns {
			dc := DictionaryColumn{Name: c.Name, Type: c.Type, Nullable: !c.NotNull, Description: c.Comment,
				Omitted: p.Omitted[c.Name]}
			if p.Excluded == "" && dc.Omitted == "" {
				dc.ParquetType = c.Kind.ParquetType()
			}
			dt.Columns = append(dt.Columns, dc)
		}
		d.Tables = append(d.Tables, dt)
	}
	return d
}

// WriteJSON writes the dictionary as indented JSON.
func (d *Dictionary) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMarkdown writes the dictionary as a Markdown document: a table of
// contents, then one section per table with a row per column.
func (d *Dictionary) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Data dictionary: schema %s, version %d\n\n", d.Schema, d.SchemaVersion)
	fmt.Fprintf(&b, "Snapshot of %s. Each exported table is one Parquet file; every column is\n", d.SnapshotAt.Format(time.RFC3339))
	b.WriteString("optional (NULL where the database had none); times are microseconds, UTC for\n")
	b.WriteString("`timestamp with time zone`; arrays are Parquet lists of their elements' text.\n\n")
	b.WriteString("| table | file | description |\n|---|---|---|\n")
	for _, t := range d.Tables {
		file := "`" + t.File + "`"
		if t.Excluded != "" {
			file = "excluded: " + t.Excluded
		}
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", t.Name, t.Name, cell(file), cell(t.Description))
	}
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", t.Name, t.Description)
		if t.Excluded != "" {
			fmt.Fprintf(&b, "Not exported: %s.\n\n", t.Excluded)
		} else {
			fmt.Fprintf(&b, "File `%s`.", t.File)
			if len(t.PrimaryKey) > 0 {
				fmt.Fprintf(&b, " Primary key (%s); rows in its order.", strings.Join(t.PrimaryKey, ", "))
			}
			b.WriteString("\n\n")
		}
		b.WriteString("| column | type | Parquet | null | description |\n|---|---|---|---|---|\n")
		for _, c := range t.Columns {
			pt := c.ParquetType
			if c.Omitted != "" {
				pt = "not exported: " + c.Omitted
			} else if pt == "" {
				pt = "-"
			}
			null := "no"
			if c.Nullable {
				null = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Name, cell(c.Type), cell(pt), null, cell(c.Description))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
