package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.min")
	if err := run([]string{"-tasks", "5", "-workers", "2", "-cap", "3", "-k", "2", "-seed", "7", "-o", path}); err != nil {
		t.Fatalf("run: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	// 5 tasks, 2 workers, a sink; 5·2 candidate arcs, 2 tier arcs, 5 leave arcs.
	for _, want := range []string{"p min 8 17\n", "n 1 1\n", "n 8 -5\n", "a 6 8 0 3 0\n", "a 1 8 0 1 10000000\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if err := run([]string{"-tasks", "x"}); err == nil {
		t.Error("run accepts a malformed flag")
	}
}

// TestRunMetro checks that -metro writes the metro shape: tier arcs at the
// balance costs and leave arcs in 1e6..3e6.
func TestRunMetro(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.min")
	if err := run([]string{"-metro", "-tasks", "200", "-workers", "12", "-slack", "1.2", "-seed", "3", "-o", path}); err != nil {
		t.Fatalf("run: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sink := " 213 0 " // tasks 1..200, workers 201..212, sink 213
	var tiers, leaves int
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, "a ") || !strings.Contains(line, sink) {
			continue
		}
		f := strings.Fields(line)
		switch tail := f[1]; {
		case len(tail) == 3 && tail > "200": // worker → sink
			tiers++
			if c := f[5]; c != "0" && c != "2000" && c != "10000" {
				t.Errorf("tier arc %q: cost not 0, 2000 or 10000", strings.TrimSpace(line))
			}
		default:
			leaves++
			if c := f[5]; len(c) != 7 || c < "1000000" || c > "3000000" {
				t.Errorf("leave arc %q: cost outside 1e6..3e6", strings.TrimSpace(line))
			}
		}
	}
	if leaves != 200 || tiers < 12 {
		t.Errorf("%d leave arcs and %d tier arcs, want 200 and at least 12", leaves, tiers)
	}
}
