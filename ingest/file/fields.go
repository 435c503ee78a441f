package file

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paidan/paidan"
)

// row decodes the fields of one table row. Its methods return the zero
// value once a field has failed; the first failure is kept in err.
type row struct {
	source string
	t      *table
	index  []int // column → field position in rec; -1 when the column is absent
	recs   *records
	rec    []string
	in     *interner
	err    *paidan.InputError
}

// line returns the line the row starts on.
func (r *row) line() int {
	line, _ := r.recs.pos(0)
	return line
}

// fail records err against column c unless the row already failed.
func (r *row) fail(c int, err error) {
	if r.err != nil {
		return
	}
	e := &paidan.InputError{Source: r.source, Key: r.t.columns[c].name, Err: err}
	if i := r.index[c]; i >= 0 {
		e.Line, e.Column = r.recs.pos(i)
	} else {
		e.Line = r.line()
	}
	r.err = e
}

// text returns the field of column c, "" when the column is absent, once
// it is within MaxFieldBytes and valid UTF-8.
func (r *row) text(c int) string {
	i := r.index[c]
	if r.err != nil || i < 0 {
		return ""
	}
	s := r.rec[i]
	if len(s) > MaxFieldBytes {
		r.fail(c, fmt.Errorf("%d bytes, want at most %d: %w", len(s), MaxFieldBytes, paidan.ErrTooLong))
		return ""
	}
	if !utf8.ValidString(s) {
		r.fail(c, paidan.ErrInvalidUTF8)
		return ""
	}
	return s
}

// present returns the field of column c, failing when it is empty and the
// value is required.
func (r *row) present(c int, required bool) string {
	s := r.text(c)
	if s == "" && required && r.err == nil {
		r.fail(c, paidan.ErrMissingValue)
	}
	return s
}

// name returns the name in column c, or "" when it is empty and not
// required. The result aliases the row: intern or clone it to keep it.
func (r *row) name(c int, required bool) string {
	s := r.present(c, required)
	if s == "" {
		return ""
	}
	if err := checkName(s); err != nil {
		r.fail(c, err)
		return ""
	}
	return s
}

// names returns the ';'-separated list of names in column c, nil when it
// is empty. Equal lists share one interned slice. The list's length and
// repeats are the domain's rules, which paidan.ValidateTask and
// paidan.ValidateWorker check.
func (r *row) names(c int) []string {
	s := r.text(c)
	if s == "" {
		return nil
	}
	if l, ok := r.in.lists[s]; ok {
		return l
	}
	n := strings.Count(s, ";") + 1
	if n > paidan.MaxNames {
		r.fail(c, fmt.Errorf("%d names, want at most %d: %w", n, paidan.MaxNames, paidan.ErrTooLong))
		return nil
	}
	l := make([]string, 0, n)
	for part := range strings.SplitSeq(s, ";") {
		if err := checkName(part); err != nil {
			r.fail(c, fmt.Errorf("item %d: %w", len(l)+1, err))
			return nil
		}
		l = append(l, r.in.name(part))
	}
	r.in.lists[strings.Clone(s)] = l
	return l
}

// float returns the number in column c; an empty optional field is 0. Its
// range is the domain's rule (paidan.ValidateTask, paidan.ValidateWorker).
func (r *row) float(c int, required bool) float64 {
	s := r.present(c, required)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && isRange(err):
		r.fail(c, fmt.Errorf("%q is beyond a float64: %w", clip(s), paidan.ErrOutOfRange))
	case err != nil:
		r.fail(c, fmt.Errorf("%q is not a number: %w", clip(s), paidan.ErrSyntax))
	}
	return v
}

// int returns the integer in column c; an empty optional field is 0. Its
// range is the domain's rule.
func (r *row) int(c int, required bool) int {
	s := r.present(c, required)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	switch {
	case err != nil && isRange(err):
		r.fail(c, fmt.Errorf("%q is beyond an integer: %w", clip(s), paidan.ErrOutOfRange))
	case err != nil:
		r.fail(c, fmt.Errorf("%q is not an integer: %w", clip(s), paidan.ErrSyntax))
	}
	return v
}

// time returns the RFC 3339 timestamp in column c, in UTC; an empty
// optional field is the zero time. Its range is the domain's rule.
func (r *row) time(c int, required bool) time.Time {
	s := r.present(c, required)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.fail(c, fmt.Errorf("%q, want an RFC 3339 time like 2026-01-02T15:04:05Z: %w", clip(s), paidan.ErrSyntax))
		return time.Time{}
	}
	return t.UTC()
}

// validate applies a domain rule's verdict to the row: a *paidan.FieldError
// fails the column it names.
func (r *row) validate(err error) {
	if err == nil || r.err != nil {
		return
	}
	fe, ok := errors.AsType[*paidan.FieldError](err)
	if !ok {
		r.fail(0, err)
		return
	}
	c := slices.IndexFunc(r.t.columns, func(col column) bool { return col.name == fe.Field })
	if c < 0 {
		r.fail(0, err)
		return
	}
	r.fail(c, fe.Err)
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:n] + "…"
}

// checkName reports whether s is a valid identifier, region or skill in a
// dataset: Unicode letters and digits and the ASCII characters
// _ - . : @ / # +, so that lists (';'-separated) and CSV need no quoting.
// Its length is the domain's rule (paidan.MaxIDBytes, paidan.MaxNameBytes).
func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("empty name: %w", paidan.ErrMissingValue)
	}
	for _, c := range s {
		if !nameRune(c) {
			return fmt.Errorf("%q: character %q not allowed in a name (letters, digits and _-.:@/#+): %w", clip(s), c, paidan.ErrSyntax)
		}
	}
	return nil
}

func nameRune(c rune) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c < utf8.RuneSelf:
		return strings.ContainsRune("_-.:@/#+", c)
	default:
		return unicode.IsLetter(c) || unicode.IsDigit(c)
	}
}

// interner keeps one copy of each region and skill name and of each list
// of them.
type interner struct {
	names map[string]string
	lists map[string][]string
}

func newInterner() *interner {
	return &interner{names: make(map[string]string), lists: make(map[string][]string)}
}

// name returns the interned copy of s.
func (in *interner) name(s string) string {
	if v, ok := in.names[s]; ok {
		return v
	}
	v := strings.Clone(s)
	in.names[v] = v
	return v
}
