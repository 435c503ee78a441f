package paidan

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *InputError to say what was wrong with a value.
// Check them with errors.Is.
var (
	ErrDuplicateID    = errors.New("paidan: duplicate id")
	ErrNotFinite      = errors.New("paidan: number is NaN or infinite")
	ErrNegative       = errors.New("paidan: negative value")
	ErrOutOfRange     = errors.New("paidan: value out of range")
	ErrUnknownRef     = errors.New("paidan: unknown reference")
	ErrInvalidUTF8    = errors.New("paidan: invalid UTF-8")
	ErrTooLong        = errors.New("paidan: field too long")
	ErrMissingColumn  = errors.New("paidan: missing column")
	ErrMissingValue   = errors.New("paidan: missing value")
	ErrSyntax         = errors.New("paidan: syntax error")
	ErrUnknownKey     = errors.New("paidan: unknown key")
	ErrNoFeasiblePlan = errors.New("paidan: no feasible plan")
	ErrCertificate    = errors.New("paidan: optimality certificate failed")
	// ErrRunApplied: a run id was applied before, so nothing is written
	// again. The write-back (export/postgres) returns it and the runner
	// (jobs) treats it as the run's success after an unknown commit
	// outcome; both packages name it ErrAlreadyApplied.
	ErrRunApplied = errors.New("paidan: run already applied")
)

// InputError reports a bad value in an input: a file, a table or a rules
// document. It names where the value came from and wraps the cause, which is
// usually one of the sentinel errors above.
type InputError struct {
	Source string // "tasks.csv", "rules.yaml" or "table paidan.task"
	Line   int    // 1-based line (or record) number; 0 when not applicable
	Column int    // 1-based column number; 0 when not applicable
	Key    string // column name or primary key; empty when not applicable
	Err    error  // the cause
}

// Error implements error as "source:line:column: key: cause", leaving out the
// parts that are zero.
func (e *InputError) Error() string {
	s := e.Source
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(":%d", e.Column)
		}
	}
	if e.Key != "" {
		s += ": " + e.Key
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }
