package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// TestMaintenanceAnnounceListCancel drives the commands against a real
// database: the window is listed, read by the scheduler's source as
// active, audited, and after cancel neither listed nor active.
func TestMaintenanceAnnounceListCancel(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	out, stderr, code := runCLI(t, "maintenance", "announce", "--db", dsn, "--at", "now", "--duration", "1h",
		"--partition", "north", "--message", "database upgrade to 17")
	if code != exitOK || !strings.HasPrefix(out, "announced maintenance window 1:") {
		t.Fatalf("announce: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = runCLI(t, "maintenance", "list", "--db", dsn)
	if code != exitOK || !strings.Contains(out, "\tnorth\tactive\tdatabase upgrade to 17\n") {
		t.Fatalf("list: code %d, stdout %q; want the active window on north", code, out)
	}

	conn, err := openDB(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	active, err := (&jobspg.Maintenance{DB: conn}).ActiveMaintenance(context.Background(), time.Now())
	if err != nil || len(active) != 1 || active[0].Partition != "north" {
		t.Fatalf("ActiveMaintenance = %+v, %v; want the north window", active, err)
	}

	for _, bad := range [][]string{
		{"--at", "tomorrow", "--duration", "1h", "--message", "x"},
		{"--at", "now", "--duration", "-1h", "--message", "x"},
		{"--at", "now", "--duration", "1h"},
	} {
		if _, stderr, code := runCLI(t, append([]string{"maintenance", "announce", "--db", dsn}, bad...)...); code != exitUsage {
			t.Errorf("announce %v: code %d, stderr %q; want a usage error", bad, code, stderr)
		}
	}

	out, stderr, code = runCLI(t, "maintenance", "cancel", "--db", dsn, "1")
	if code != exitOK || !strings.HasPrefix(out, "cancelled maintenance window 1:") {
		t.Fatalf("cancel: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, stderr, code := runCLI(t, "maintenance", "cancel", "--db", dsn, "1"); code != exitError || !strings.Contains(stderr, "cancelled already") {
		t.Errorf("second cancel: code %d, stderr %q; want an error saying it was cancelled already", code, stderr)
	}
	if _, stderr, code := runCLI(t, "maintenance", "cancel", "--db", dsn, "99"); code != exitError || !strings.Contains(stderr, "no maintenance window 99") {
		t.Errorf("cancel of an unknown window: code %d, stderr %q", code, stderr)
	}
	if out, _, _ := runCLI(t, "maintenance", "list", "--db", dsn); out != "" {
		t.Errorf("list after cancel = %q; want nothing active or upcoming", out)
	}
	if out, _, _ := runCLI(t, "maintenance", "list", "--all", "--db", dsn); !strings.Contains(out, "\tcancelled\t") {
		t.Errorf("list --all after cancel = %q; want the cancelled window", out)
	}
	if active, err := (&jobspg.Maintenance{DB: conn}).ActiveMaintenance(context.Background(), time.Now()); err != nil || len(active) != 0 {
		t.Errorf("ActiveMaintenance after cancel = %+v, %v; want none", active, err)
	}

	out, _, code = runCLI(t, "audit", "list", "--db", dsn, "--action", "maintenance.cancel")
	if code != exitOK || strings.Count(out, "\n") != 1 {
		t.Fatalf("audit of the cancel: code %d, stdout %q; want one entry", code, out)
	}
	f := strings.Split(strings.TrimSuffix(out, "\n"), "\t")
	var before, after struct {
		Partition string `json:"partition"`
		Cancelled bool   `json:"cancelled"`
	}
	if len(f) != 8 || !strings.HasPrefix(f[2], "shell:") || f[5] != "maintenance:1" ||
		json.Unmarshal([]byte(f[6]), &before) != nil || json.Unmarshal([]byte(f[7]), &after) != nil ||
		before.Cancelled || !after.Cancelled || after.Partition != "north" {
		t.Errorf("audit entry %q; want shell actor, target maintenance:1, cancelled false then true", out)
	}
	if out, _, _ := runCLI(t, "audit", "list", "--db", dsn, "--action", "maintenance.announce"); strings.Count(out, "\n") != 1 {
		t.Errorf("audit of the announcement = %q; want one entry", out)
	}
}
