package main

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes of the paidan command.
const (
	exitOK    = 0 // success
	exitError = 1 // something went wrong
	exitUsage = 2 // the command line was wrong
	exitNo    = 3 // the answer is no: infeasible, regression, failed certificate
)

// codeError attaches an exit code to an error.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

// usageErrorf returns an error that exits with exitUsage.
func usageErrorf(format string, args ...any) error {
	return &codeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// answerNo wraps err so that it exits with exitNo.
func answerNo(err error) error {
	return &codeError{code: exitNo, err: err}
}

// exitCode returns the exit code for err: the code of a wrapped codeError,
// otherwise exitError.
func exitCode(err error) int {
	if ce, ok := errors.AsType[*codeError](err); ok {
		return ce.code
	}
	return exitError
}

// isSentinelPrefix reports whether s is the package name that a sentinel
// error of the project's plumbing starts with ("jobs: unknown partition",
// "paidan: syntax error"). Within a chain of wrapped errors it says which
// package spoke, which tells a person nothing they can act on. The
// solver's and the instance formats' names stay: "solver: infeasible" and
// "dimacs: line 3: …" say whose verdict it is and which format was read.
func isSentinelPrefix(s string) bool {
	switch s {
	case "paidan", "jobs", "model", "parquet", "pq", "runsnap",
		"export/postgres", "ingest/postgres", "ingest/file":
		return true
	}
	return false
}

// humanize returns an error message for a person: the chain of wrapped
// errors with the package names of sentinels dropped and an operation
// repeated by two layers said once ("plan: plan: prune: context
// canceled" → "plan: prune: context canceled"). Quoted text is left as it
// is.
func humanize(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:0:0]
	for _, p := range parts {
		if isSentinelPrefix(p) {
			continue
		}
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return msg
	}
	return strings.Join(out, ": ")
}
