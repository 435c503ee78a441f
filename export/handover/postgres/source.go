package postgres

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/export/handover"
)

var (
	//go:embed catalog.sql
	catalogSQL string
	//go:embed snapshot.sql
	snapshotSQL string
)

// Source is a handover.Source reading one snapshot of a database. It is
// not safe for concurrent use; Close ends its transaction.
type Source struct {
	tx   *sqlx.Tx
	snap handover.Snapshot
}

// Begin starts the snapshot transaction and reads the catalog.
func Begin(ctx context.Context, db *sqlx.DB) (_ *Source, err error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var s struct {
		At             time.Time `db:"at"`
		ServerVersion  string    `db:"server_version"`
		ServerEncoding string    `db:"server_encoding"`
		SchemaVersion  int64     `db:"schema_version"`
	}
	if err := tx.GetContext(ctx, &s, snapshotSQL); err != nil {
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	if s.ServerEncoding == "SQL_ASCII" {
		// Have the server send text as stored; Rows replaces what is not UTF-8.
		if _, err := tx.ExecContext(ctx, "SET LOCAL client_encoding = 'SQL_ASCII'"); err != nil {
			return nil, fmt.Errorf("export snapshot: %w", err)
		}
	}
	tables, err := readCatalog(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	return &Source{tx: tx, snap: handover.Snapshot{At: s.At.UTC(), SchemaVersion: s.SchemaVersion,
		ServerVersion: s.ServerVersion, Tables: tables}}, nil
}

// Close ends the snapshot transaction.
func (s *Source) Close() error { return s.tx.Rollback() }

// Snapshot returns what Begin read.
func (s *Source) Snapshot() handover.Snapshot { return s.snap }

type catalogRow struct {
	Table         string `db:"table_name"`
	TableComment  string `db:"table_comment"`
	Column        string `db:"column_name"`
	Type          string `db:"column_type"`
	TypeName      string `db:"type_name"`
	Category      string `db:"category"`
	NotNull       bool   `db:"not_null"`
	ColumnComment string `db:"column_comment"`
	KeyPosition   int    `db:"key_position"`
}

// Tables reads the catalog of the paidan schema, outside any export.
func Tables(ctx context.Context, db sqlx.QueryerContext) ([]handover.Table, error) {
	return readCatalog(ctx, db)
}

func readCatalog(ctx context.Context, q sqlx.QueryerContext) ([]handover.Table, error) {
	var rows []catalogRow
	if err := sqlx.SelectContext(ctx, q, &rows, catalogSQL); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var tables []handover.Table
	keys := map[string][]catalogRow{}
	for _, r := range rows {
		if len(tables) == 0 || tables[len(tables)-1].Name != r.Table {
			tables = append(tables, handover.Table{Name: r.Table, Comment: r.TableComment})
		}
		t := &tables[len(tables)-1]
		t.Columns = append(t.Columns, handover.Column{Name: r.Column, Type: r.Type, Kind: kindOf(r.TypeName, r.Category),
			NotNull: r.NotNull, Comment: r.ColumnComment})
		if r.KeyPosition > 0 {
			keys[r.Table] = append(keys[r.Table], r)
		}
	}
	for i := range tables {
		k := keys[tables[i].Name]
		slices.SortFunc(k, func(a, b catalogRow) int { return cmp.Compare(a.KeyPosition, b.KeyPosition) })
		for _, r := range k {
			tables[i].Key = append(tables[i].Key, r.Column)
		}
	}
	return tables, nil
}

// kindOf maps a PostgreSQL type (pg_type.typname and typcategory) to the
// kind it is exported as.
func kindOf(typname, category string) handover.Kind {
	if category == "A" {
		return handover.KindTextList
	}
	switch typname {
	case "bool":
		return handover.KindBool
	case "int2", "int4", "int8", "oid":
		return handover.KindInt
	case "float4", "float8":
		return handover.KindFloat
	case "timestamptz":
		return handover.KindTimestampTZ
	case "timestamp":
		return handover.KindTimestamp
	case "date":
		return handover.KindDate
	case "json", "jsonb":
		return handover.KindJSON
	case "bytea":
		return handover.KindBytes
	}
	return handover.KindText
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// selectList is the query's expression for a column: times as
// microseconds (days for dates) with a second expression naming a
// ±infinity, arrays as JSON arrays of their elements' text, other text
// kinds in their text form.
func selectList(c handover.Column) []string {
	q := ident(c.Name)
	switch c.Kind {
	case handover.KindTimestampTZ, handover.KindTimestamp:
		return []string{"CASE WHEN isfinite(" + q + ") THEN (extract(epoch FROM " + q + ") * 1000000)::int8 END",
			"CASE WHEN NOT isfinite(" + q + ") THEN " + q + "::text END"}
	case handover.KindDate:
		return []string{"CASE WHEN isfinite(" + q + ") THEN " + q + " - DATE '1970-01-01' END",
			"CASE WHEN NOT isfinite(" + q + ") THEN " + q + "::text END"}
	case handover.KindTextList:
		return []string{"array_to_json(" + q + "::text[])::text"}
	case handover.KindText, handover.KindJSON:
		return []string{q + "::text"}
	}
	return []string{q}
}

// Query is the SELECT that Rows runs for cols of t: the key's text (for
// naming a row in a problem), then each column's expressions, in key order.
func Query(t handover.Table, cols []handover.Column) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if len(t.Key) > 0 {
		parts := make([]string, len(t.Key))
		for i, k := range t.Key {
			parts[i] = ident(k) + "::text"
		}
		b.WriteString("concat_ws('/', " + strings.Join(parts, ", ") + ")")
	} else {
		b.WriteString("''")
	}
	for _, c := range cols {
		for _, e := range selectList(c) {
			b.WriteString(", " + e)
		}
	}
	b.WriteString(" FROM paidan." + ident(t.Name))
	if len(t.Key) > 0 {
		keys := make([]string, len(t.Key))
		for i, k := range t.Key {
			keys[i] = ident(k)
		}
		b.WriteString(" ORDER BY " + strings.Join(keys, ", "))
	}
	return b.String()
}

// Rows streams the rows of t; see handover.Source.
func (s *Source) Rows(ctx context.Context, t handover.Table, cols []handover.Column, row func([]handover.Value) error, problem func(string)) error {
	rows, err := s.tx.QueryContext(ctx, Query(t, cols))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	var key string
	dest := []any{&key}
	type slot struct {
		kind handover.Kind
		str  sql.NullString
		i    sql.NullInt64
		f    sql.NullFloat64
		b    sql.NullBool
		byt  sql.Null[[]byte]
		inf  sql.NullString
	}
	slots := make([]slot, len(cols))
	for i, c := range cols {
		sl := &slots[i]
		sl.kind = c.Kind
		switch c.Kind {
		case handover.KindBool:
			dest = append(dest, &sl.b)
		case handover.KindInt:
			dest = append(dest, &sl.i)
		case handover.KindFloat:
			dest = append(dest, &sl.f)
		case handover.KindBytes:
			dest = append(dest, &sl.byt)
		case handover.KindTimestampTZ, handover.KindTimestamp, handover.KindDate:
			dest = append(dest, &sl.i, &sl.inf)
		default:
			dest = append(dest, &sl.str)
		}
	}
	vals := make([]handover.Value, len(cols))
	n := 0
	for rows.Next() {
		n++
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("row %d: %w", n, err)
		}
		name := key
		if name == "" {
			name = "row " + strconv.Itoa(n)
		}
		for i := range slots {
			sl, v := &slots[i], &vals[i]
			*v = handover.Value{}
			switch sl.kind {
			case handover.KindBool:
				v.Null, v.Bool = !sl.b.Valid, sl.b.Bool
			case handover.KindInt:
				v.Null, v.Int = !sl.i.Valid, sl.i.Int64
			case handover.KindFloat:
				v.Null, v.Float = !sl.f.Valid, sl.f.Float64
			case handover.KindBytes:
				v.Null, v.Bytes = !sl.byt.Valid, sl.byt.V
			case handover.KindTimestampTZ, handover.KindTimestamp, handover.KindDate:
				v.Null, v.Int = !sl.i.Valid, sl.i.Int64
				if sl.inf.Valid {
					problem(fmt.Sprintf("table paidan.%s: %s: %s: %s written as NULL", t.Name, name, cols[i].Name, sl.inf.String))
				}
			case handover.KindTextList:
				if v.Null = !sl.str.Valid; !v.Null {
					s := validText(sl.str.String, t.Name, name, cols[i].Name, problem)
					if err := json.Unmarshal([]byte(s), &v.List); err != nil {
						return fmt.Errorf("%s: %s: %w", name, cols[i].Name, err)
					}
				}
			default:
				v.Null = !sl.str.Valid
				v.Text = validText(sl.str.String, t.Name, name, cols[i].Name, problem)
			}
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}

// validText returns s, with every byte sequence that is not UTF-8 replaced
// by U+FFFD and reported.
func validText(s, table, key, column string, problem func(string)) string {
	if utf8.ValidString(s) {
		return s
	}
	problem(fmt.Sprintf("table paidan.%s: %s: %s: bytes that are not UTF-8 written as U+FFFD", table, key, column))
	return strings.ToValidUTF8(s, "\uFFFD")
}
