package backup_test

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestDRDrill runs scripts/dr-drill, the README's disaster-recovery drill:
// WAL archiving, a base backup, the primary lost, point-in-time recovery to
// a chosen time. The script itself checks that exactly the writes before
// the target came back; this test checks that it says so and reports the
// recovery time.
func TestDRDrill(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("../scripts/dr-drill", "500").CombinedOutput()
	if err != nil {
		t.Fatalf("dr-drill: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^dr-drill: ok recovery_seconds=([0-9.]+) replayed_wal_bytes=(\d+) target=`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("dr-drill output lacks its final ok line:\n%s", out)
	}
	if s, err := strconv.ParseFloat(string(m[1]), 64); err != nil || s <= 0 {
		t.Errorf("recovery_seconds %q", m[1])
	}
	t.Logf("%s", out)
}
