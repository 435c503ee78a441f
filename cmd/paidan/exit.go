package main

import (
	"errors"
	"fmt"
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
