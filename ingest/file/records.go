package file

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paidan/paidan"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// records yields the rows of one table file as text fields, so that CSV
// and Parquet go through one validation path.
type records interface {
	// header returns the column names.
	header() []string
	// next returns the fields of the next row, valid until the following
	// call. It returns a *paidan.InputError for a row that cannot be split
	// into fields, after which reading may go on; err is io.EOF after the
	// last row and anything else when reading cannot go on.
	next() (rec []string, bad *paidan.InputError, err error)
	// pos returns the 1-based line and column of field i of the last row.
	pos(i int) (line, col int)
	// rows returns an upper bound of the number of rows, for sizing.
	rows() int
}

// csvRecords reads a CSV file: RFC 4180, comma-separated, header first.
// A UTF-8 byte order mark before the header is ignored.
type csvRecords struct {
	r     *csv.Reader
	lim   *lineLimiter
	head  []string
	lines int // line breaks in the file
}

func newCSVRecords(source string, f *os.File) (*csvRecords, error) {
	lines, err := countLines(f)
	if err != nil {
		return nil, err
	}
	lim := &lineLimiter{r: f, source: source, line: 1}
	c := &csvRecords{r: csv.NewReader(lim), lim: lim, lines: lines}
	head, err := c.r.Read()
	switch pe, _ := errors.AsType[*csv.ParseError](err); {
	case err == io.EOF:
		return nil, &paidan.InputError{Source: source, Line: 1, Err: fmt.Errorf("no header row: %w", paidan.ErrMissingColumn)}
	case pe != nil:
		return nil, syntaxError(source, pe)
	case err != nil:
		return nil, err
	}
	c.head = head
	c.head[0] = strings.TrimPrefix(c.head[0], "\uFEFF")
	c.r.ReuseRecord = true
	c.r.FieldsPerRecord = len(head)
	return c, nil
}

func (c *csvRecords) header() []string { return c.head }

func (c *csvRecords) next() ([]string, *paidan.InputError, error) {
	rec, err := c.r.Read()
	if c.lim.err != nil {
		return nil, nil, c.lim.err
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, syntaxError(c.lim.source, pe), nil
	}
	return rec, nil, err
}

func (c *csvRecords) pos(i int) (line, col int) {
	line, _ = c.r.FieldPos(i)
	return line, i + 1
}

func (c *csvRecords) rows() int { return c.lines }

// countLines counts the line breaks of f and rewinds it. One fast pass over
// the file lets the rows be stored without growing a slice.
func countLines(f *os.File) (int, error) {
	buf := make([]byte, 1<<16)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

func syntaxError(source string, pe *csv.ParseError) *paidan.InputError {
	return &paidan.InputError{Source: source, Line: pe.Line, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, pe.Err)}
}

// lineLimiter fails a read once a line grows beyond MaxLineBytes, so a file
// without line breaks is never read whole. Its error is sticky.
type lineLimiter struct {
	r      io.Reader
	source string
	line   int // 1-based number of the line being read
	n      int // bytes of that line read so far
	err    error
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for b := p[:n]; ; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.n += len(b)
			break
		}
		l.n += i
		if l.n > MaxLineBytes {
			break
		}
		l.n = 0
		l.line++
		b = b[i+1:]
	}
	if l.n > MaxLineBytes {
		l.err = &paidan.InputError{Source: l.source, Line: l.line,
			Err: fmt.Errorf("line longer than %d bytes: %w", MaxLineBytes, paidan.ErrTooLong)}
		return 0, l.err
	}
	return n, err
}

// parquetRecords reads a Parquet file with a flat schema. Values become
// text as Write would have written them in CSV: integers in decimal, floats
// in the shortest form that reads back exactly, timestamps in RFC 3339 UTC,
// nulls as "". The line of a row is its 1-based row number.
type parquetRecords struct {
	source string
	groups []parquet.RowGroup // row groups not read yet
	cur    parquet.Rows       // rows of the row group being read
	head   []string
	units  []time.Duration // per column: the timestamp unit, 0 if not a timestamp
	buf    []parquet.Row
	n, i   int // rows in buf, next row of buf
	row    int
	rec    []string
	nrows  int64
	// text holds the rendered fields of the row, field c at
	// text[starts[c]:ends[c]].
	text         []byte
	starts, ends []int
}

func newParquetRecords(source string, f *os.File) (p *parquetRecords, err error) {
	defer recoverParquet(source, &err)
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, &paidan.InputError{Source: source, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, err)}
	}
	p = &parquetRecords{source: source, buf: make([]parquet.Row, 256), nrows: pf.NumRows()}
	for i, fl := range pf.Schema().Fields() {
		if !fl.Leaf() || fl.Repeated() {
			return nil, &paidan.InputError{Source: source, Column: i + 1, Key: fl.Name(),
				Err: fmt.Errorf("nested or repeated column, want a flat column: %w", paidan.ErrSyntax)}
		}
		var unit time.Duration
		if lt := fl.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				unit = ts.Unit.Value.Duration()
			}
		}
		p.head = append(p.head, fl.Name())
		p.units = append(p.units, unit)
	}
	p.rec = make([]string, len(p.head))
	p.starts = make([]int, len(p.head))
	p.ends = make([]int, len(p.head))
	p.groups = pf.RowGroups()
	return p, nil
}

func (p *parquetRecords) header() []string { return p.head }

// read fills buf with the next rows, going through the row groups in
// order. It returns io.EOF after the last row.
func (p *parquetRecords) read() (int, error) {
	for {
		if p.cur == nil {
			if len(p.groups) == 0 {
				return 0, io.EOF
			}
			p.cur = p.groups[0].Rows()
			p.groups = p.groups[1:]
		}
		n, err := p.cur.ReadRows(p.buf)
		switch {
		case err == io.EOF:
			p.cur.Close()
			p.cur = nil
			if n == 0 {
				continue
			}
			return n, nil
		case n == 0 && err == nil:
			return 0, io.ErrNoProgress
		}
		return n, err
	}
}

func (p *parquetRecords) next() (rec []string, bad *paidan.InputError, err error) {
	defer recoverParquet(p.source, &err)
	if p.i == p.n {
		n, err := p.read()
		switch {
		case n == 0 && err == io.EOF:
			return nil, nil, err
		case n == 0:
			return nil, nil, &paidan.InputError{Source: p.source, Line: p.row + 1, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, err)}
		}
		p.n, p.i = n, 0
	}
	row := p.buf[p.i]
	p.i++
	p.row++
	// Render the row into one buffer and cut the fields from one string:
	// one allocation per row, as encoding/csv does.
	p.text = p.text[:0]
	clear(p.starts)
	clear(p.ends)
	for _, v := range row {
		if c := v.Column(); c >= 0 && c < len(p.rec) {
			p.starts[c] = len(p.text)
			p.text = appendValueText(p.text, v, p.units[c])
			p.ends[c] = len(p.text)
		}
	}
	line := string(p.text)
	for c := range p.rec {
		p.rec[c] = line[p.starts[c]:p.ends[c]]
	}
	return p.rec, nil, nil
}

func (p *parquetRecords) pos(i int) (line, col int) { return p.row, i + 1 }

func (p *parquetRecords) rows() int { return int(min(p.nrows, 1<<40)) }

// appendValueText appends a Parquet value as CSV text; unit is the
// timestamp unit of its column, 0 if it is not a timestamp. A null appends
// nothing.
func appendValueText(b []byte, v parquet.Value, unit time.Duration) []byte {
	switch {
	case v.IsNull():
		return b
	case unit != 0 && v.Kind() == parquet.Int64:
		var t time.Time
		switch unit {
		case time.Millisecond:
			t = time.UnixMilli(v.Int64())
		case time.Microsecond:
			t = time.UnixMicro(v.Int64())
		default:
			t = time.Unix(0, v.Int64())
		}
		return t.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append(b, v.ByteArray()...)
	case parquet.Int32:
		return strconv.AppendInt(b, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case parquet.Float:
		return strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.AppendFloat(b, v.Double(), 'g', -1, 64)
	case parquet.Boolean:
		return strconv.AppendBool(b, v.Boolean())
	default:
		return append(b, v.String()...)
	}
}

// recoverParquet turns a panic inside parquet-go on a corrupt file into a
// syntax error naming the file.
func recoverParquet(source string, err *error) {
	if r := recover(); r != nil {
		*err = &paidan.InputError{Source: source, Err: fmt.Errorf("corrupt Parquet file (%v): %w", r, paidan.ErrSyntax)}
	}
}
