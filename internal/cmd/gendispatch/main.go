// Command gendispatch writes a seeded dispatch-shaped min-cost flow instance
// in DIMACS "min" format (see package dispatchgen): tasks 1..T, workers
// T+1..T+W, sink T+W+1; arcs in the order of solver.Dispatch.Network: the
// task→worker arcs task by task, one worker→sink arc per worker, then one
// leave arc per task.
//
//	gendispatch -tasks 10000 -workers 500 -cap 25 -k 20 -seed 1 -o FILE
//	gendispatch -metro -tasks 10000 -workers 500 -slack 1.15 -seed 1 -o FILE
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver/dimacs"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gendispatch:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gendispatch", flag.ContinueOnError)
	var c dispatchgen.Config
	fs.IntVar(&c.Tasks, "tasks", 10000, "tasks")
	fs.IntVar(&c.Workers, "workers", 500, "workers")
	fs.Int64Var(&c.Capacity, "cap", 25, "capacity per worker")
	fs.IntVar(&c.K, "k", 20, "candidate workers per task")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	metro := fs.Bool("metro", false, "metro shape (dispatchgen.GenerateMetro): -tasks, -workers, -k, -seed, -slack, -metros")
	slack := fs.Float64("slack", 0, "metro: total remaining capacity / tasks (0: 1.05)")
	metros := fs.Int("metros", 0, "metro: metro areas (0: workers/2500)")
	out := fs.String("o", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d := dispatchgen.Generate(c)
	if *metro {
		d = dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: c.Tasks, Workers: c.Workers, Metros: *metros, K: c.K, Slack: *slack, Seed: c.Seed})
	}
	n := d.Network()
	if *out == "" {
		return dimacs.Write(os.Stdout, n, "dispatch-shaped min-cost flow")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := dimacs.Write(f, n, "dispatch-shaped min-cost flow"); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return f.Close()
}
