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
