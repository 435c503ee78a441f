package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo for three cycles: it prints the admin's password
// once, applies runs against the simulated business, and removes its
// PostgreSQL cluster when it stops.
func TestDemo(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "demo", "--cycles", "3", "--every", "100ms", "--tasks", "300", "--arrive", "20", "--addr", "127.0.0.1:0")
	if code != exitOK {
		t.Fatalf("demo: code %d\n%s", code, errOut)
	}
	if !regexp.MustCompile(`^login: admin\npassword: [A-Za-z0-9]{20}\n$`).MatchString(out) {
		t.Errorf("stdout %q: want the login and a one-time password, nothing else", out)
	}
	for _, want := range []string{"console at http://127.0.0.1:", "cycle 1: metro: run metro-", "cycle 3:", "shutting down the console"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errOut)
		}
	}
	m := regexp.MustCompile(`removed (\S+)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("stderr does not name the removed cluster directory:\n%s", errOut)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still exists (%v)", m[1], err)
	}
}

func TestDemoServesOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	if _, errOut, code := runCLI(t, "demo", "--addr", "0.0.0.0:8080", "--insecure-listen"); code != exitUsage || !strings.Contains(errOut, "loopback") {
		t.Errorf("demo on 0.0.0.0: code %d, %q; want a usage error", code, errOut)
	}
}
