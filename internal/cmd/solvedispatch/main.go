// Command solvedispatch times paidan's dispatch solver on a DIMACS "min"
// file the way `paidan solve mcf` will run it: read the network, recognise
// the dispatch shape (solver.AsDispatch), solve (solver.SolveDispatch), map
// the result back onto the file's arcs and prove it with solver.Verify. It
// prints one line of key=value pairs: objective, parse_s, solve_s (the
// recognition and the solve, not the parse), solve_cpu_s (the CPU time of
// the same, which a busy machine disturbs less), verify_s and maxrss_kib
// (peak resident memory of the process).
//
//	solvedispatch [-cpuprofile FILE] FILE.min
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "solvedispatch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("solvedispatch", flag.ContinueOnError)
	prof := fs.String("cpuprofile", "", "write a CPU profile of the solve to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) != 1 {
		return errors.New("usage: solvedispatch [-cpuprofile FILE] FILE.min")
	}
	t0 := time.Now()
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	n, err := dimacs.Parse(ctx, f, dimacs.Options{Source: args[0]})
	f.Close()
	if err != nil {
		return err
	}
	if *prof != "" {
		pf, err := os.Create(*prof)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	t1, c1 := time.Now(), cpuTime()
	d, m, ok := solver.AsDispatch(n)
	if !ok {
		return fmt.Errorf("%s: not a dispatch-shaped network", args[0])
	}
	r, err := solver.SolveDispatch(ctx, d)
	if err != nil {
		return err
	}
	t2, c2 := time.Now(), cpuTime()
	if *prof != "" {
		pprof.StopCPUProfile()
	}
	bound, err := solver.Verify(n, m.Flow(r))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	t3 := time.Now()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	unassigned := 0
	for _, a := range r.TaskArc {
		if a < 0 {
			unassigned++
		}
	}
	_, err = fmt.Fprintf(stdout, "solver=paidan_dispatch nodes=%d arcs=%d objective=%d dual_bound=%d unassigned=%d iterations=%d parse_s=%.4f solve_s=%.4f solve_cpu_s=%.4f verify_s=%.4f maxrss_kib=%d\n",
		n.Nodes(), n.Arcs(), r.Objective, bound, unassigned, r.Stats.Iterations,
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), (c2 - c1).Seconds(), t3.Sub(t2).Seconds(), ru.Maxrss)
	return err
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
