package solver_test

import (
	"errors"
	"strings"
	"testing"
)

// checkErr fails the test unless err wraps want and its message mentions
// detail; op names the call in the failure message.
func checkErr(tb testing.TB, op string, err, want error, detail string) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("%s error = %v, want %v", op, err, want)
	}
	if !strings.Contains(err.Error(), detail) {
		tb.Errorf("%s error %q does not mention %q", op, err, detail)
	}
}
