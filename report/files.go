package report

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/paidan/paidan/internal/atomicdir"
)

// Format is one kind of file a report is written as.
type Format string

// The formats. HTML is report.html; PDF is report.pdf, printed from that
// HTML; Parquet and CSV are one file per table, <table>.parquet or .csv.
const (
	HTML    Format = "html"
	PDF     Format = "pdf"
	Parquet Format = "parquet"
	CSV     Format = "csv"
)

// ParseFormats parses a comma-separated list of formats ("html,pdf").
func ParseFormats(s string) ([]Format, error) {
	var out []Format
	for _, f := range strings.Split(s, ",") {
		switch Format(strings.TrimSpace(f)) {
		case HTML, PDF, Parquet, CSV:
			if !slices.Contains(out, Format(strings.TrimSpace(f))) {
				out = append(out, Format(strings.TrimSpace(f)))
			}
		default:
			return nil, fmt.Errorf("format %q: want html, pdf, parquet or csv", f)
		}
	}
	return out, nil
}

// Printer prints an HTML file to PDF (package report/chromium does, with
// headless Chromium).
type Printer func(ctx context.Context, htmlPath, pdfPath string) error

// WriteDir writes the report into dir, which must not exist, in the given
// formats: the files are written into a temporary directory beside dir and
// renamed to dir at the end, so an interrupted run leaves no dir. PDF needs
// printPDF, and HTML, which it is printed from (report.html is written for it
// even when HTML is not asked for, and removed again). It returns the names
// of the files written, in order.
func (r *Report) WriteDir(ctx context.Context, dir string, formats []Format, generated time.Time, printPDF Printer) (files []string, err error) {
	if slices.Contains(formats, PDF) && printPDF == nil {
		return nil, errors.New("report: PDF asked for without a printer")
	}
	out, err := atomicdir.CreateDir(dir, atomicdir.Options{})
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("report: %s exists; write into a new directory", dir)
	} else if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer func() {
		if err != nil {
			out.Abort()
		}
	}()
	tmp := out.Path()
	write := func(name string, fn func(io.Writer) error) error {
		f, err := out.Create(name)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		files = append(files, name)
		return f.Close()
	}
	htmlFile := filepath.Join(tmp, "report.html")
	if slices.Contains(formats, HTML) || slices.Contains(formats, PDF) {
		if err := write("report.html", func(w io.Writer) error { return r.WriteHTML(w, generated) }); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	if slices.Contains(formats, PDF) {
		if err := printPDF(ctx, htmlFile, filepath.Join(tmp, "report.pdf")); err != nil {
			return nil, fmt.Errorf("report: print PDF: %w", err)
		}
		files = append(files, "report.pdf")
		if !slices.Contains(formats, HTML) {
			if err := os.Remove(htmlFile); err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
			files = slices.DeleteFunc(files, func(s string) bool { return s == "report.html" })
		}
	}
	for _, t := range r.Tables() {
		if slices.Contains(formats, CSV) {
			if err := write(t.Name+".csv", t.WriteCSV); err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
		}
		if slices.Contains(formats, Parquet) {
			if err := write(t.Name+".parquet", t.WriteParquet); err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
		}
	}
	if err := out.Commit(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return files, nil
}

// WriteCSV writes the table as CSV: a header of column names, then one line
// per row, values as FormatValue shows them (nil as an empty field).
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for r := range t.Len() {
		for i, v := range t.Row(r) {
			rec[i] = FormatValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteParquet writes the table as a Parquet file with one optional column
// per table column, in order: strings as UTF-8 strings, ints as INT64,
// floats as DOUBLE, times as timestamps in microseconds (UTC); nil is null.
// Each column's unit is in the file's key/value metadata as "unit.<name>".
func (t *Table) WriteParquet(w io.Writer) error {
	fields := make([]reflect.StructField, len(t.Columns))
	for i, c := range t.Columns {
		var typ reflect.Type
		tag := c.Name + ",optional"
		switch c.Kind {
		case String:
			typ = reflect.TypeFor[*string]()
		case Int:
			typ = reflect.TypeFor[*int64]()
		case Float:
			typ = reflect.TypeFor[*float64]()
		case Time:
			typ = reflect.TypeFor[*time.Time]()
			tag += ",timestamp(microsecond)"
		}
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: typ, Tag: reflect.StructTag(`parquet:"` + tag + `"`)}
	}
	rowType := reflect.StructOf(fields)
	schema := parquet.SchemaOf(reflect.New(rowType).Interface())
	opts := []parquet.WriterOption{schema, parquet.Compression(&zstd.Codec{}), parquet.KeyValueMetadata("title", t.Title)}
	for _, c := range t.Columns {
		if c.Unit != "" {
			opts = append(opts, parquet.KeyValueMetadata("unit."+c.Name, c.Unit))
		}
	}
	pw := parquet.NewWriter(w, opts...)
	for r := range t.Len() {
		v := reflect.New(rowType).Elem()
		for i, x := range t.Row(r) {
			if x == nil {
				continue
			}
			p := reflect.New(fields[i].Type.Elem())
			p.Elem().Set(reflect.ValueOf(x))
			v.Field(i).Set(p)
		}
		if err := pw.Write(v.Addr().Interface()); err != nil {
			return err
		}
	}
	return pw.Close()
}
