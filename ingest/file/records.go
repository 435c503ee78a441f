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
//
// A goroutine reads the file ahead of the caller, a chunk of rows at a
// time, so that splitting rows into fields and validating them use two
// cores. Close stops it and waits for it before closing the file.
type records struct {
	f          *os.File
	head       []string // column names
	headerLine int      // the line of the column names: 1 in CSV, 0 in Parquet
	hint       int      // an upper bound of the number of rows, for sizing
	chunks     chan *chunk
	free       chan *chunk   // chunks the caller is done with, for reuse
	done       chan struct{} // closed by Close
	exited     chan struct{} // closed when the reading goroutine returns
	cur        *chunk        // the chunk being read; nil before the first
	row        int           // the last row returned from cur
}

// chunk holds consecutive rows of a table file.
type chunk struct {
	n      int                  // rows held
	fields []string             // row i is fields[i*width : (i+1)*width]
	lines  []int                // the line of each field
	bad    []*paidan.InputError // per row: why it could not be split, or nil
	err    error                // after the rows: io.EOF, a read error, or nil if more follow
}

// chunkRows is the number of rows in a chunk.
const chunkRows = 1024

// rowReader fills chunks on the reading goroutine.
type rowReader interface {
	// fill puts up to chunkRows rows into ch, which has room for them,
	// and sets ch.n; it sets ch.err at the end of the file or when
	// reading fails.
	fill(ch *chunk)
}

// newRecords starts reading the rows of f, whose columns are head (found on
// headerLine), with r.
func newRecords(f *os.File, head []string, headerLine, hint int, r rowReader) *records {
	c := &records{
		f: f, head: head, headerLine: headerLine, hint: hint,
		chunks: make(chan *chunk, 4),
		free:   make(chan *chunk, 6), // every chunk that can exist: see read
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go c.read(r)
	return c
}

// read fills chunks with r and sends them in file order until the file
// ends, reading fails or c.done is closed. A chunk is made only when none
// is free, so at most 6 exist: 4 in c.chunks, one here, one with the caller.
func (c *records) read(r rowReader) {
	defer close(c.exited)
	width := len(c.head)
	for {
		var ch *chunk
		select {
		case ch = <-c.free:
		default:
			ch = &chunk{
				fields: make([]string, chunkRows*width),
				lines:  make([]int, chunkRows*width),
				bad:    make([]*paidan.InputError, chunkRows),
			}
		}
		r.fill(ch)
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

// Close stops the reading goroutine and closes the file.
func (c *records) Close() error {
	close(c.done)
	<-c.exited
	return c.f.Close()
}

// header returns the column names.
func (c *records) header() []string { return c.head }

// rows returns an upper bound of the number of rows, for sizing.
func (c *records) rows() int { return c.hint }

// next returns the fields of the next row, valid until the following call.
// It returns a *paidan.InputError for a row that cannot be split into
// fields, after which reading may go on; err is io.EOF after the last row
// and anything else when reading cannot go on.
func (c *records) next() (rec []string, bad *paidan.InputError, err error) {
	for c.cur == nil || c.row+1 >= c.cur.n {
		if c.cur != nil {
			if c.cur.err != nil {
				return nil, nil, c.cur.err
			}
			c.free <- c.cur // never blocks: free has room for every chunk
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

// pos returns the 1-based line and column of field i of the last row.
func (c *records) pos(i int) (line, col int) {
	return c.cur.lines[c.row*len(c.head)+i], i + 1
}

// csvReader reads a CSV file: RFC 4180, comma-separated, header first. A
// UTF-8 byte order mark before the header is ignored.
type csvReader struct {
	source string
	r      *csv.Reader
}

func openCSV(source string, f *os.File) (*records, error) {
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
	head = append([]string(nil), head...)
	r.ReuseRecord = true
	r.FieldsPerRecord = len(head)
	return newRecords(f, head, 1, lines, &csvReader{source: source, r: r}), nil
}

func (c *csvReader) fill(ch *chunk) {
	ch.n, ch.err = 0, nil
	width := c.r.FieldsPerRecord
	for ch.n < chunkRows {
		rec, err := c.r.Read()
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			ch.bad[ch.n] = syntaxError(c.source, pe)
			ch.n++
			continue
		}
		if err != nil {
			ch.err = err
			return
		}
		ch.bad[ch.n] = nil
		base := ch.n * width
		copy(ch.fields[base:], rec)
		for i := range rec {
			ch.lines[base+i], _ = c.r.FieldPos(i)
		}
		ch.n++
	}
}

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

// parquetReader reads a Parquet file with a flat schema. Values become text
// as Write would have written them in CSV: integers in decimal, floats in
// the shortest form that reads back exactly, timestamps in RFC 3339 UTC,
// nulls as "". The line of a row is its 1-based row number.
type parquetReader struct {
	source string
	groups []parquet.RowGroup // row groups not read yet
	cur    parquet.Rows       // rows of the row group being read
	units  []time.Duration    // per column: the timestamp unit, 0 if not a timestamp
	buf    []parquet.Row
	row    int    // rows read so far
	text   []byte // the fields of one row, rendered
	starts []int  // field c is text[starts[c]:ends[c]]
	ends   []int
}

func openParquet(source string, f *os.File) (_ *records, err error) {
	defer recoverParquet(source, &err)
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, &paidan.InputError{Source: source, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, err)}
	}
	p := &parquetReader{source: source, groups: pf.RowGroups(), buf: make([]parquet.Row, 256)}
	var head []string
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
		head = append(head, fl.Name())
		p.units = append(p.units, unit)
	}
	p.starts = make([]int, len(head))
	p.ends = make([]int, len(head))
	// The row count in the footer is not trusted further than the file size.
	hint := int(max(min(pf.NumRows(), st.Size()), 0))
	return newRecords(f, head, 0, hint, p), nil
}

func (p *parquetReader) fill(ch *chunk) {
	ch.n, ch.err = 0, nil
	defer recoverParquet(p.source, &ch.err)
	width := len(p.units)
	for ch.n < chunkRows {
		n, err := p.read(chunkRows - ch.n)
		if n == 0 {
			if err != io.EOF {
				err = &paidan.InputError{Source: p.source, Line: p.row + 1, Err: fmt.Errorf("%w: %w", paidan.ErrSyntax, err)}
			}
			ch.err = err
			return
		}
		for _, row := range p.buf[:n] {
			p.row++
			p.render(row, ch.fields[ch.n*width:(ch.n+1)*width])
			for i := range width {
				ch.lines[ch.n*width+i] = p.row
			}
			ch.bad[ch.n] = nil
			ch.n++
		}
	}
}

// read reads up to max rows into buf, going through the row groups in
// order. It returns io.EOF after the last row.
func (p *parquetReader) read(max int) (int, error) {
	for {
		if p.cur == nil {
			if len(p.groups) == 0 {
				return 0, io.EOF
			}
			p.cur = p.groups[0].Rows()
			p.groups = p.groups[1:]
		}
		n, err := p.cur.ReadRows(p.buf[:min(max, len(p.buf))])
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

// render puts the fields of row into rec as text, cut from one string: one
// allocation per row, as encoding/csv does. A column missing from the row
// is "".
func (p *parquetReader) render(row parquet.Row, rec []string) {
	p.text = p.text[:0]
	clear(p.starts)
	clear(p.ends)
	for _, v := range row {
		if c := v.Column(); c >= 0 && c < len(rec) {
			p.starts[c] = len(p.text)
			p.text = appendValueText(p.text, v, p.units[c])
			p.ends[c] = len(p.text)
		}
	}
	line := string(p.text)
	for c := range rec {
		rec[c] = line[p.starts[c]:p.ends[c]]
	}
}

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
