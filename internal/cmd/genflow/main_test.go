package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/paidan/paidan/solver/dimacs"
)

func TestRunWritesParseableDIMACS(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run([]string{"-nodes", "50", "-arcs", "300", "-seed", "4"}, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	n, err := dimacs.Parse(context.Background(), &out, dimacs.Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if n.Nodes() != 50 || n.Arcs() != 300 {
		t.Errorf("%d nodes, %d arcs; want 50, 300", n.Nodes(), n.Arcs())
	}
	if err := run([]string{"-nodes", "1"}, &out); err == nil {
		t.Error("run with 1 node succeeded, want an error")
	}
}
