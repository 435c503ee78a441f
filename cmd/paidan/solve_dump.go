package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/paidan/paidan/solver"
	"github.com/paidan/paidan/solver/dimacs"
)

// dumpNetwork writes d as a DIMACS min-cost flow file at path (see
// solver.Dispatch.Network for its node and arc numbering), so that any
// min-cost flow solver can be run on the network a plan solved.
func dumpNetwork(path string, d *solver.Dispatch) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = dimacs.Write(w, d.Network(), fmt.Sprintf("paidan plan network: %d tasks, %d workers, %d candidate arcs", d.Tasks, d.Workers, len(d.ArcTask)))
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
