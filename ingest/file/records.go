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
// and Parquet go through one validation path. Close releases the file.
type records interface {
	io.Closer
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
//
// A goroutine splits the file into fields ahead of the caller, a chunk of
// rows at a time, so that splitting and validating use two cores. Close
// stops it and waits for it before closing the file.
type csvRecords struct {
	f      *os.File
	source string
	head   []string
	lines  int // line breaks in the file

	chunks chan *csvChunk // filled by split, in file order
	free   chan *csvChunk // chunks the caller is done with, for reuse
	done   chan struct{}  // closed by Close
	exited chan struct{}  // closed when split returns

	cur *csvChunk // the chunk being read; nil before the first
	row int       // the last row returned from cur
}

// csvChunk holds consecutive rows of a CSV file.
type csvChunk struct {
	n      int                  // rows held
	fields []string             // row i is fields[i*width : (i+1)*width]
	lines  []int                // the line of each field
	bad    []*paidan.InputError // per row: why it could not be split, or nil
	err    error                // after the rows: io.EOF, a read error, or nil if more follow
}

// csvChunkRows is the number of rows in a chunk.
const csvChunkRows = 1024

func newCSVRecords(source string, f *os.File) (*csvRecords, error) {
	lines, err := scanLines(source, f)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(f)
	head, err := r.Read()
	switch pe, _ := errors.AsType[*csv.ParseError](err); {
	case err == io.EOF:
		return nil, &paidan.InputError{Source: source, Line: 1, Err: fmt.Errorf("no header row: %w", paidan.ErrMissingColumn)}
	case pe != nil:
		return nil, syntaxError(source, pe)
	case err != nil:
		return nil, err
	}
	head[0] = strings.TrimPrefix(head[0], "\uFEFF")
	r.ReuseRecord = true
	r.FieldsPerRecord = len(head)
	c := &csvRecords{
		f: f, source: source, head: head, lines: lines,
		chunks: make(chan *csvChunk, 4),
		free:   make(chan *csvChunk, 6),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go c.split(r)
	return c, nil
}

// split reads rows into chunks and sends them to c.chunks until the file
// ends, reading fails or c.done is closed.
func (c *csvRecords) split(r *csv.Reader) {
	defer close(c.exited)
	width := len(c.head)
	for {
		var ch *csvChunk
		select {
		case ch = <-c.free:
		default:
			ch = &csvChunk{
				fields: make([]string, csvChunkRows*width),
				lines:  make([]int, csvChunkRows*width),
				bad:    make([]*paidan.InputError, csvChunkRows),
			}
		}
		ch.n = 0
		for ch.n < csvChunkRows {
			rec, err := r.Read()
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				ch.bad[ch.n] = syntaxError(c.source, pe)
				ch.n++
				continue
			}
			if err != nil {
				ch.err = err
				break
			}
			ch.bad[ch.n] = nil
			base := ch.n * width
			copy(ch.fields[base:], rec)
			for i := range rec {
				ch.lines[base+i], _ = r.FieldPos(i)
			}
			ch.n++
		}
		select {
		case c.chunks <- ch:
		case <-c.done:
			return
		}
		if ch.err != nil {
			return
		}
	}
}

// Close stops the splitting goroutine and closes the file.
func (c *csvRecords) Close() error {
	close(c.done)
	<-c.exited
	return c.f.Close()
}

func (c *csvRecords) header() []string { return c.head }

func (c *csvRecords) next() ([]string, *paidan.InputError, error) {
	for c.cur == nil || c.row+1 >= c.cur.n {
		if c.cur != nil {
			if c.cur.err != nil {
				return nil, nil, c.cur.err
			}
			c.free <- c.cur // never blocks: free holds every chunk in flight
		}
		c.cur, c.row = <-c.chunks, -1
	}
	c.row++
	if bad := c.cur.bad[c.row]; bad != nil {
		return nil, bad, nil
	}
	width := len(c.head)
	return c.cur.fields[c.row*width : (c.row+1)*width], nil, nil
}

func (c *csvRecords) pos(i int) (line, col int) {
	return c.cur.lines[c.row*len(c.head)+i], i + 1
}

func (c *csvRecords) rows() int { return c.lines }

// scanLines counts the line breaks of f, fails on a line longer than
// MaxLineBytes, and rewinds f. This fast pass lets the rows be stored
// without growing a slice, and keeps a file without line breaks from being
// read whole into memory.
func scanLines(source string, f *os.File) (int, error) {
	buf := make([]byte, 1<<16)
	lines, n := 0, 0 // n is the length of the current line so far
	for {
		k, err := f.Read(buf)
		for b := buf[:k]; ; {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				n += len(b)
				break
			}
			if n+i > MaxLineBytes {
				n += i
				break
			}
			lines++
			n = 0
			b = b[i+1:]
		}
		if n > MaxLineBytes {
			return 0, &paidan.InputError{Source: source, Line: lines + 1,
				Err: fmt.Errorf("line longer than %d bytes: %w", MaxLineBytes, paidan.ErrTooLong)}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	_, err := f.Seek(0, io.SeekStart)
	return lines, err
}

func syntaxError(source string, pe *csv.ParseError) *paidan.InputError {
	return &paidan.InputError{Source: source, Line: pe.Line, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, pe.Err)}
}

// parquetRecords reads a Parquet file with a flat schema. Values become
// text as Write would have written them in CSV: integers in decimal, floats
// in the shortest form that reads back exactly, timestamps in RFC 3339 UTC,
// nulls as "". The line of a row is its 1-based row number.
type parquetRecords struct {
	f      *os.File
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
	// The row count in the footer is not trusted further than the file size.
	p = &parquetRecords{f: f, source: source, buf: make([]parquet.Row, 256), nrows: min(pf.NumRows(), st.Size())}
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

func (p *parquetRecords) rows() int { return int(max(p.nrows, 0)) }

// Close closes the file.
func (p *parquetRecords) Close() error { return p.f.Close() }

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
