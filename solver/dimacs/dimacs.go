package dimacs

import (
	"bufio"
	"bytes"
	"context"
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
	// ErrSyntax: a missing or malformed field or line, a missing p line,
	// a record before the p line, or a wrong number of a lines.
	ErrSyntax = errors.New("dimacs: syntax error")
	// ErrRange: a node id outside 1..NODES, a number beyond int64, bounds
	// not 0 ≤ LOW ≤ CAP, or supplies that do not sum to zero.
	ErrRange = errors.New("dimacs: value out of range")
	// ErrDuplicate: a second n line for one node.
	ErrDuplicate = errors.New("dimacs: duplicate node")
	// ErrTooLong: a line over 64 KiB.
	ErrTooLong = errors.New("dimacs: line too long")
)

// ParseError is an error in a DIMACS input at a 1-based line and byte
// column (zero when the error concerns the whole input). Its message reads
// "source:line:column: cause", leaving out zero parts; the cause wraps one
// of the errors above.
type ParseError struct {
	Source string // Options.Source, or "dimacs"
	Line   int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	s := e.Source
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			s += ":" + strconv.Itoa(e.Column)
		}
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// DefaultMaxNodes is the largest node count a p line may declare when
// Options.MaxNodes is zero: 2^26 nodes, half a gigabyte of supplies.
const DefaultMaxNodes = 1 << 26

// maxLine is the longest line accepted, in bytes.
const maxLine = 1 << 16

// chunk is the size of the read buffer.
const chunk = 1 << 20

// Options configure Parse. The zero value works.
type Options struct {
	// Source names the input in errors, e.g. the file name; empty means
	// "dimacs".
	Source string
	// MaxNodes bounds the node count of the p line, so that a corrupt
	// header cannot exhaust memory; zero means DefaultMaxNodes.
	MaxNodes int
}

// Parse reads a DIMACS min-cost flow instance from r. Node ids become
// 0-based node indices (id − 1) and arcs keep their order in the file. The
// network's Lower is nil when every lower bound is zero.
//
// Bad input yields a *ParseError with the 1-based line and column of the
// offending field, its cause wrapping ErrSyntax, ErrRange, ErrDuplicate or
// ErrTooLong and saying what was expected. Read errors of r are returned
// wrapped; ctx is checked between chunks of a megabyte.
func Parse(ctx context.Context, r io.Reader, opt Options) (*solver.Network, error) {
	p := parser{src: opt.Source, maxNodes: opt.MaxNodes}
	if p.src == "" {
		p.src = "dimacs"
	}
	if p.maxNodes <= 0 {
		p.maxNodes = DefaultMaxNodes
	}
	buf := make([]byte, chunk)
	have := 0 // bytes of buf holding an unfinished line
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p.src, err)
		}
		k, rerr := io.ReadFull(r, buf[have:])
		data := buf[:have+k]
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			return nil, fmt.Errorf("parse %s: %w", p.src, rerr)
		}
		if p.line == 0 {
			p.small = eof
		}
		end := len(data)
		if !eof {
			end = bytes.LastIndexByte(data, '\n') + 1
			if end == 0 { // a full buffer without a newline
				return nil, p.errorf(p.line+1, 1, ErrTooLong, "a line of at most %d bytes", maxLine)
			}
		}
		if err := p.lines(data[:end]); err != nil {
			return nil, err
		}
		if eof {
			break
		}
		have = copy(buf, data[end:])
		if have >= maxLine {
			return nil, p.errorf(p.line+1, 1, ErrTooLong, "a line of at most %d bytes", maxLine)
		}
	}
	return p.finish()
}

// parser holds the state of one Parse.
type parser struct {
	src      string
	maxNodes int
	line     int  // lines consumed so far
	col      int  // 1-based column of the last integer parsed
	small    bool // the whole input fit in the first read

	net      *solver.Network
	arcs     int    // declared in the p line
	pLine    int    // line of the p record; 0 before it
	seen     []bool // node has an n line
	anyLower bool
}

// lines parses the complete lines in data (the last may lack its newline
// at the end of the input).
func (p *parser) lines(data []byte) error {
	for i := 0; i < len(data); {
		p.line++
		start := i
		// Skip leading blanks.
		for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
			i++
		}
		if i == len(data) {
			break
		}
		var err error
		switch data[i] {
		case '\n':
			i++
			continue
		case '\r':
			i, err = p.eol(data, i, start)
		case 'c':
			if j := bytes.IndexByte(data[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(data)
			}
		case 'a':
			i, err = p.arc(data, i+1, start)
		case 'n':
			i, err = p.node(data, i+1, start)
		case 'p':
			i, err = p.problem(data, i+1, start)
		default:
			err = p.errorf(p.line, i-start+1, ErrSyntax, "a line starting with c, p, n or a, got %q", data[i])
		}
		if err != nil {
			return err
		}
		if i-start > maxLine {
			return p.errorf(p.line, 1, ErrTooLong, "a line of at most %d bytes", maxLine)
		}
	}
	return nil
}

// arc parses "a TAIL HEAD LOW CAP COST" from data[i:], after the 'a'.
func (p *parser) arc(data []byte, i, start int) (int, error) {
	if p.net == nil {
		return 0, p.errorf(p.line, 1, ErrSyntax, "the p line before the first a line")
	}
	if p.net.Arcs() == p.arcs {
		return 0, p.errorf(p.line, 1, ErrSyntax, "at most %d a lines, as the p line declares", p.arcs)
	}
	var f [5]int64
	var cols [5]int
	for k := range f {
		var err error
		if f[k], i, err = p.int(data, i, start, arcFields[k]); err != nil {
			return 0, err
		}
		cols[k] = p.col
	}
	nodes := int64(p.net.Nodes())
	for k := range 2 {
		if f[k] < 1 || f[k] > nodes {
			return 0, p.errorf(p.line, cols[k], ErrRange, "%s in 1..%d, got %d", arcFields[k], nodes, f[k])
		}
	}
	lo, up := f[2], f[3]
	if lo < 0 {
		return 0, p.errorf(p.line, cols[2], ErrRange, "a lower bound ≥ 0, got %d", lo)
	}
	switch {
	case up == -1:
		up = solver.Infinite
	case up < lo:
		return 0, p.errorf(p.line, cols[3], ErrRange, "a capacity ≥ the lower bound %d (or -1 for none), got %d", lo, up)
	}
	n := p.net
	n.Tail = append(n.Tail, int32(f[0]-1))
	n.Head = append(n.Head, int32(f[1]-1))
	n.Upper = append(n.Upper, up)
	n.Cost = append(n.Cost, f[4])
	if lo != 0 && !p.anyLower {
		p.anyLower = true
		n.Lower = make([]int64, len(n.Tail)-1, cap(n.Tail))
	}
	if p.anyLower {
		n.Lower = append(n.Lower, lo)
	}
	return p.eol(data, i, start)
}

var arcFields = [5]string{"tail node id", "head node id", "lower bound", "capacity", "cost"}

// node parses "n ID SUPPLY" from data[i:], after the 'n'.
func (p *parser) node(data []byte, i, start int) (int, error) {
	if p.net == nil {
		return 0, p.errorf(p.line, 1, ErrSyntax, "the p line before the first n line")
	}
	id, i, err := p.int(data, i, start, "node id")
	if err != nil {
		return 0, err
	}
	col := p.col
	supply, i, err := p.int(data, i, start, "supply")
	if err != nil {
		return 0, err
	}
	nodes := int64(p.net.Nodes())
	if id < 1 || id > nodes {
		return 0, p.errorf(p.line, col, ErrRange, "a node id in 1..%d, got %d", nodes, id)
	}
	if p.seen[id-1] {
		return 0, p.errorf(p.line, col, ErrDuplicate, "one n line per node, node %d has two", id)
	}
	p.seen[id-1] = true
	p.net.Supply[id-1] = supply
	return p.eol(data, i, start)
}

// problem parses "p min NODES ARCS" from data[i:], after the 'p'.
func (p *parser) problem(data []byte, i, start int) (int, error) {
	if p.net != nil {
		return 0, p.errorf(p.line, 1, ErrSyntax, "one p line, the first is on line %d", p.pLine)
	}
	j := i
	for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
		j++
	}
	k := j
	for k < len(data) && data[k] > ' ' {
		k++
	}
	if string(data[j:k]) != "min" || j == i {
		return 0, p.errorf(p.line, j-start+1, ErrSyntax, "problem type \"min\", got %q", data[j:k])
	}
	nodes, i, err := p.int(data, k, start, "node count")
	if err != nil {
		return 0, err
	}
	nodesCol := p.col
	arcs, i, err := p.int(data, i, start, "arc count")
	if err != nil {
		return 0, err
	}
	if nodes < 0 || nodes > int64(p.maxNodes) {
		return 0, p.errorf(p.line, nodesCol, ErrRange, "a node count in 0..%d, got %d", p.maxNodes, nodes)
	}
	if arcs < 0 || arcs > math.MaxInt32/2 {
		return 0, p.errorf(p.line, p.col, ErrRange, "an arc count in 0..%d, got %d", math.MaxInt32/2, arcs)
	}
	p.pLine = p.line
	p.arcs = int(arcs)
	p.net = solver.NewNetwork(int(nodes))
	p.seen = make([]bool, nodes)
	// Reserve room for the declared arcs, but no more than the input can
	// hold when it is small (an a line takes at least 12 bytes), so that
	// a lying header cannot make a tiny input allocate much.
	hint := min(p.arcs, 1<<24)
	if p.small {
		hint = min(hint, chunk/12)
	}
	p.net.Tail = make([]int32, 0, hint)
	p.net.Head = make([]int32, 0, hint)
	p.net.Upper = make([]int64, 0, hint)
	p.net.Cost = make([]int64, 0, hint)
	return p.eol(data, i, start)
}

// int parses a blank-separated decimal integer starting at data[i] after
// optional blanks, and returns it with the index just past it.
func (p *parser) int(data []byte, i, start int, what string) (int64, int, error) {
	n := len(data)
	if i < n && data[i] > ' ' {
		return 0, 0, p.errorf(p.line, i-start+1, ErrSyntax, "a blank before the %s", what)
	}
	for i < n && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	begin := i
	p.col = begin - start + 1
	neg := i < n && data[i] == '-'
	if neg {
		i++
	}
	digits := i
	var v uint64
	for i < n {
		d := data[i] - '0'
		if d > 9 {
			break
		}
		v = v*10 + uint64(d)
		i++
	}
	if i == digits || (i < n && data[i] > ' ') {
		tok := data[begin:]
		if j := bytes.IndexAny(tok, " \t\r\n"); j >= 0 {
			tok = tok[:j]
		}
		if len(tok) == 0 {
			return 0, 0, p.errorf(p.line, p.col, ErrSyntax, "the %s, got the end of the line", what)
		}
		return 0, 0, p.errorf(p.line, p.col, ErrSyntax, "the %s as an integer, got %q", what, tok)
	}
	if i-digits > 18 { // 19 digits or more may overflow: let strconv judge
		x, err := strconv.ParseInt(string(data[begin:i]), 10, 64)
		if err != nil {
			return 0, 0, p.errorf(p.line, p.col, ErrRange, "the %s within int64", what)
		}
		return x, i, nil
	}
	if neg {
		return -int64(v), i, nil
	}
	return int64(v), i, nil
}

// eol skips trailing blanks and the newline at data[i:] and returns the
// index of the next line.
func (p *parser) eol(data []byte, i, start int) (int, error) {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	if i == len(data) {
		return i, nil
	}
	if data[i] != '\n' {
		return 0, p.errorf(p.line, i-start+1, ErrSyntax, "the end of the line, got %q", data[i])
	}
	return i + 1, nil
}

// finish checks the totals after the last line.
func (p *parser) finish() (*solver.Network, error) {
	if p.net == nil {
		return nil, p.errorf(0, 0, ErrSyntax, "a p line \"p min NODES ARCS\"")
	}
	if got := p.net.Arcs(); got != p.arcs {
		return nil, p.errorf(p.pLine, 0, ErrSyntax, "%d a lines as the p line declares, got %d", p.arcs, got)
	}
	var sum int64
	for _, s := range p.net.Supply {
		var ok bool
		if sum, ok = addInt64(sum, s); !ok {
			return nil, p.errorf(0, 0, ErrRange, "supplies whose total fits in int64")
		}
	}
	if sum != 0 {
		return nil, p.errorf(0, 0, ErrRange, "supplies that sum to 0, got %d", sum)
	}
	return p.net, nil
}

// errorf returns a *ParseError at line and column whose cause wraps kind
// with "want " and the formatted expectation.
func (p *parser) errorf(line, col int, kind error, want string, args ...any) error {
	return &ParseError{
		Source: p.src,
		Line:   line,
		Column: col,
		Err:    fmt.Errorf("%w: want "+want, append([]any{kind}, args...)...),
	}
}

// addInt64 returns a+b and whether it did not overflow.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// Write writes n in DIMACS min format to w: the comments (each prefixed
// with "c "), the p line, an n line per node of non-zero supply and an a
// line per arc in order. Infinite capacities are written as -1. Parse of
// the output gives back n (with Lower nil when all lower bounds are zero).
// It returns an error wrapping solver.ErrInvalid if n fails Validate, or
// the first write error.
func Write(w io.Writer, n *solver.Network, comments ...string) error {
	if err := n.Validate(); err != nil {
		return fmt.Errorf("write dimacs: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, c := range comments {
		for line := range bytes.Lines([]byte(c)) {
			bw.WriteString("c ")
			bw.Write(bytes.TrimRight(line, "\r\n"))
			bw.WriteByte('\n')
		}
	}
	b := make([]byte, 0, 128)
	b = fmt.Appendf(b, "p min %d %d\n", n.Nodes(), n.Arcs())
	bw.Write(b)
	for v, s := range n.Supply {
		if s == 0 {
			continue
		}
		b = append(b[:0], 'n', ' ')
		b = strconv.AppendInt(b, int64(v)+1, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, s, 10)
		b = append(b, '\n')
		bw.Write(b)
	}
	for a := range n.Arcs() {
		up := n.Upper[a]
		if up == solver.Infinite {
			up = -1
		}
		var lo int64
		if n.Lower != nil {
			lo = n.Lower[a]
		}
		b = append(b[:0], 'a', ' ')
		b = strconv.AppendInt(b, int64(n.Tail[a])+1, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n.Head[a])+1, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, lo, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, up, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, n.Cost[a], 10)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("write dimacs: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write dimacs: %w", err)
	}
	return nil
}
