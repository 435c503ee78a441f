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
