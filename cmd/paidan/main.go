// Command paidan is the command-line interface of the paidan dispatch
// engine. Run "paidan help" for the subcommands.
//
// Exit codes: 0 success; 1 error; 2 usage error; 3 the answer is no (an
// infeasible problem, a regression, a failed certificate).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// run executes the command line args, writing results to stdout and
// progress and diagnostics to stderr. Tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// report prints err for a person and returns the process exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "paidan: %s\n", humanize(err.Error()))
	return exitCode(err)
}

// isSentinelPrefix reports whether s is a package name that the project's
// sentinel errors start with ("jobs: unknown partition"). Within a chain
// of wrapped errors it says which package spoke, which tells a person
// nothing they can act on.
func isSentinelPrefix(s string) bool {
	switch s {
	case "paidan", "jobs", "solver", "model", "dimacs", "orlib", "parquet",
		"export/postgres", "ingest/postgres", "ingest/file", "pq":
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
