package orlib

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paidan/paidan/solver"
)

// Errors wrapped by *ParseError to say what was wrong. Check them with
// errors.Is.
var (
	ErrSyntax  = errors.New("orlib: syntax error")       // a token that is not an integer, or extra text
	ErrRange   = errors.New("orlib: value out of range") // beyond int64, or n outside 0..MaxN
	ErrMissing = errors.New("orlib: input ends early")   // fewer than n² costs
	ErrTooLong = errors.New("orlib: token too long")     // 64 bytes or more
)

// ParseError is an error in an OR-Library input, at the 1-based line and
// byte column of the offending token (or of the end of the input). Its
// message reads "source:line:column: cause", the cause wrapping one of the
// errors above.
type ParseError struct {
	Source string // the name given to Parse
	Line   int
	Column int
	Err    error
}

// Error implements error as "source:line:column: cause".
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %v", e.Source, e.Line, e.Column, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// MaxN is the largest n Parse accepts. Beyond 2^22 costs, memory grows with
// the costs actually read, not with the declared n, so a short file with a
// large n fails cheaply.
const MaxN = 1 << 20

// maxToken is the longest token Parse reads: an int64 with sign and a few
// leading zeros fits.
const maxToken = 64

// Parse reads an OR-Library assignment problem from r. source names the
// input in errors (a file name, or "stdin").
//
// Errors are *ParseError naming the line, column and token, wrapping
// ErrSyntax, ErrRange, ErrMissing or ErrTooLong; a read error is returned
// wrapped.
func Parse(r io.Reader, source string) (*solver.Dense, error) {
	s := scanner{r: r, buf: make([]byte, 1<<16), line: 1, source: source}
	n, ok, err := s.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.errorf(ErrMissing, "empty input; want n followed by n×n costs")
	}
	if n < 0 || n > MaxN {
		return nil, s.errorf(ErrRange, "n = %d; want 0 ≤ n ≤ %d", n, MaxN)
	}
	size := int(n * n)
	costs := make([]int64, 0, min(size, 1<<22)) // 32 MiB at most before data arrives
	for len(costs) < size {
		c, ok, err := s.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, s.errorf(ErrMissing, "input ends after %d of the %d×%d = %d costs", len(costs), n, n, size)
		}
		if len(costs) == cap(costs) {
			costs = grow(costs, size)
		}
		costs = append(costs, c)
	}
	if _, ok, err := s.next(); err != nil {
		return nil, err
	} else if ok {
		return nil, s.errorf(ErrSyntax, "token %q after the %d×%d costs", s.tok, n, n)
	}
	return &solver.Dense{Rows: int(n), Cols: int(n), Cost: costs}, nil
}

// grow returns costs with room for up to four times as many costs (at
// most size in all). Growing by four rather than append's 1.25 keeps the
// peak memory of a large parse near the matrix itself: at n = 4000 the
// 16 M costs arrive in one step from the first 4 M (160 MiB at the copy,
// where append's growth steps left up to twice the matrix behind them),
// while memory still grows only with the costs actually read.
func grow(costs []int64, size int) []int64 {
	out := make([]int64, len(costs), min(size, 4*max(cap(costs), 1)))
	copy(out, costs)
	return out
}

// scanner reads whitespace-separated integers from a byte buffer it
// refills itself, tracking lines for errors.
type scanner struct {
	r      io.Reader
	source string
	buf    []byte
	pos    int   // next unread byte in buf
	end    int   // bytes of buf filled
	base   int64 // input offset of buf[0]
	eof    bool

	line      int   // 1-based line of buf[pos]
	lineStart int64 // input offset of the first byte of that line

	// Position and text (within buf) of the last token read, for errors.
	tokLine, tokCol int
	tok             []byte
}

// fill moves the unread bytes to the front of buf and reads more. It
// returns a read error other than io.EOF, wrapped.
func (s *scanner) fill() error {
	n := copy(s.buf, s.buf[s.pos:s.end])
	s.base += int64(s.pos)
	s.pos, s.end = 0, n
	for s.end < len(s.buf) && !s.eof {
		k, err := s.r.Read(s.buf[s.end:])
		s.end += k
		switch {
		case errors.Is(err, io.EOF):
			s.eof = true
		case err != nil:
			return fmt.Errorf("read %s: %w", s.source, err)
		case k == 0:
			return nil // let the caller come back rather than spin
		}
		if s.end-s.pos >= maxToken {
			return nil
		}
	}
	return nil
}

// next returns the next integer, or ok false at the end of the input.
func (s *scanner) next() (v int64, ok bool, err error) {
	// Skip whitespace, in local variables for speed.
	for {
		buf, pos := s.buf[:s.end], s.pos
		for pos < len(buf) {
			b := buf[pos]
			if b == '\n' {
				s.line++
				s.lineStart = s.base + int64(pos) + 1
			} else if !isSpace(b) {
				break
			}
			pos++
		}
		s.pos = pos
		if pos < len(buf) {
			break
		}
		if s.eof {
			s.tokLine, s.tokCol = s.line, int(s.base+int64(s.pos)-s.lineStart)+1
			return 0, false, nil
		}
		if err := s.fill(); err != nil {
			return 0, false, err
		}
	}
	// Make sure the whole token is in the buffer.
	if s.end-s.pos < maxToken && !s.eof {
		if err := s.fill(); err != nil {
			return 0, false, err
		}
	}
	s.tokLine, s.tokCol = s.line, int(s.base+int64(s.pos)-s.lineStart)+1
	buf := s.buf[s.pos:s.end]
	k := 0
	neg := buf[0] == '-'
	if neg || buf[0] == '+' {
		k++
	}
	// Digits after leading zeros; 19 of them cannot overflow a uint64, and
	// more make a value beyond int64.
	start := k
	for k < len(buf) && buf[k] == '0' {
		k++
	}
	sig := k
	var u uint64
	for ; k < len(buf); k++ {
		d := buf[k] - '0'
		if d > 9 {
			break
		}
		u = u*10 + uint64(d)
	}
	if k < len(buf) && !isSpace(buf[k]) || k == start {
		return 0, false, s.badToken(buf)
	}
	s.pos += k
	s.tok = buf[:k]
	if k >= maxToken {
		s.tok = buf[:16]
		return 0, false, s.errorf(ErrTooLong, "token %q… of %d bytes or more", s.tok, maxToken)
	}
	switch {
	case k-sig > 19:
	case !neg && u <= math.MaxInt64:
		return int64(u), true, nil
	case neg && u <= 1<<63:
		return int64(-u), true, nil
	}
	return 0, false, s.errorf(ErrRange, "token %q beyond the int64 range", s.tok)
}

// isSpace reports whether b is ASCII white space: space, \t, \n, \v, \f
// or \r.
func isSpace(b byte) bool {
	return b == ' ' || b-'\t' <= '\r'-'\t'
}

// badToken reports the token starting at buf[0] as not an integer.
func (s *scanner) badToken(buf []byte) error {
	k := 0
	for k < len(buf) && k < maxToken && !isSpace(buf[k]) {
		k++
	}
	s.tok = buf[:k]
	return s.errorf(ErrSyntax, "token %q; want an integer", s.tok)
}

// errorf returns a *ParseError at the last token's position.
func (s *scanner) errorf(kind error, format string, args ...any) error {
	return &ParseError{
		Source: s.source, Line: s.tokLine, Column: s.tokCol,
		Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...)),
	}
}

// Write writes the square problem d in OR-Library format: n on the first
// line, then one line of n costs per row. Forbidden pairs are written as
// 9223372036854775807. It returns an error wrapping solver.ErrInvalid if d
// is not square or its cost slice does not match, or the writer's error.
func Write(w io.Writer, d *solver.Dense) error {
	if d.Rows != d.Cols || len(d.Cost) != d.Rows*d.Cols {
		return fmt.Errorf("write orlib: %w: %d×%d problem with %d costs; the format holds square problems only",
			solver.ErrInvalid, d.Rows, d.Cols, len(d.Cost))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	line := strconv.AppendInt(nil, int64(d.Rows), 10)
	line = append(line, '\n')
	if _, err := bw.Write(line); err != nil {
		return fmt.Errorf("write orlib: %w", err)
	}
	for i := range d.Rows {
		line = line[:0]
		for j, c := range d.Cost[i*d.Cols : (i+1)*d.Cols] {
			if j > 0 {
				line = append(line, ' ')
			}
			line = strconv.AppendInt(line, c, 10)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("write orlib: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write orlib: %w", err)
	}
	return nil
}
