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
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/paidan/paidan/solver"
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
	n, err := readDIMACS(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", args[0], err)
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

// readDIMACS reads a DIMACS "min" network: comment lines "c", one problem
// line "p min NODES ARCS", node lines "n ID SUPPLY" and arc lines
// "a TAIL HEAD LOW CAP COST", 1-based. It is a minimal reader for the
// benchmark that allocates nothing per line; errors name the line.
func readDIMACS(r io.Reader) (*solver.Network, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var n *solver.Network
	var fields [5]int64
	for line := 1; ; line++ {
		text, err := br.ReadSlice('\n')
		if err == io.EOF && len(text) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		text = bytes.TrimSpace(text)
		if len(text) == 0 || text[0] == 'c' {
			continue
		}
		kind, rest := text[0], text[1:]
		want := 0
		switch kind {
		case 'p':
			rest = bytes.TrimSpace(rest)
			if !bytes.HasPrefix(rest, []byte("min")) {
				return nil, fmt.Errorf("line %d: problem %q, want min", line, rest)
			}
			rest, want = rest[3:], 2
		case 'n':
			want = 2
		case 'a':
			want = 5
		}
		if want == 0 || (kind == 'p') != (n == nil) {
			return nil, fmt.Errorf("line %d: unexpected %q", line, text)
		}
		for i := range want {
			if fields[i], rest, err = nextInt(rest); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		if len(bytes.TrimSpace(rest)) > 0 {
			return nil, fmt.Errorf("line %d: trailing %q", line, rest)
		}
		switch kind {
		case 'p':
			if fields[0] < 0 || fields[0] > maxNodes || fields[1] < 0 || fields[1] > maxArcs {
				return nil, fmt.Errorf("line %d: %d nodes and %d arcs; want at most %d and %d", line, fields[0], fields[1], maxNodes, maxArcs)
			}
			n = solver.NewNetwork(int(fields[0]))
			m := int(fields[1])
			n.Tail, n.Head = make([]int32, 0, m), make([]int32, 0, m)
			n.Upper, n.Cost = make([]int64, 0, m), make([]int64, 0, m)
		case 'n':
			if fields[0] < 1 || fields[0] > int64(n.Nodes()) {
				return nil, fmt.Errorf("line %d: node %d outside 1..%d", line, fields[0], n.Nodes())
			}
			n.Supply[fields[0]-1] = fields[1]
		case 'a':
			if min(fields[0], fields[1]) < 1 || max(fields[0], fields[1]) > int64(n.Nodes()) {
				return nil, fmt.Errorf("line %d: arc %d→%d outside nodes 1..%d", line, fields[0], fields[1], n.Nodes())
			}
			n.AddArc(int(fields[0]-1), int(fields[1]-1), fields[2], fields[3], fields[4])
		}
	}
	if n == nil {
		return nil, errors.New("no problem line")
	}
	return n, n.Validate()
}

// Bounds on the p line, so that a corrupt header cannot exhaust memory.
const (
	maxNodes = 1 << 26
	maxArcs  = 1 << 28
)

// nextInt parses the integer that begins b after blanks and returns the
// rest of b.
func nextInt(b []byte) (int64, []byte, error) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i || (j == i+1 && b[i] == '-') {
		return 0, nil, fmt.Errorf("want an integer at %q", b)
	}
	v, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	return v, b[j:], err
}
