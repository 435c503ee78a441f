package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan/backup"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestBackupRestoreUnderLoad backs up while three schedulers and a business
// writer run, restores into a fresh database, and finds every count, the
// ledger and the invariants intact; then shows that a flipped byte and a
// non-empty target are refused.
func TestBackupRestoreUnderLoad(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	db := openTest(t, dsn)
	seedCLI(t, dsn, "city", 300)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	logs := make([]*lockedBuffer, 3)
	for i := range logs {
		logs[i] = new(lockedBuffer)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout lockedBuffer
			if err := run(ctx, []string{"schedule", "--every", "30ms", "--metrics-addr", "", "--db", dsn}, &stdout, logs[i]); err != nil {
				t.Errorf("scheduler %d: %v", i, err)
			}
		}()
	}
	writes := 0
	wg.Add(1)
	go func() { // the business system
		defer wg.Done()
		for n := 0; ctx.Err() == nil; n++ {
			for _, q := range []string{
				fmt.Sprintf(`INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('biz-%d', 'city', 31.2, 121.4)`, n),
				`UPDATE paidan.task SET status = 'done' WHERE id = (SELECT id FROM paidan.task WHERE status = 'assigned' ORDER BY id LIMIT 1)`,
				`UPDATE paidan.task SET priority = (priority + 1) % 10 WHERE id = (SELECT id FROM paidan.task WHERE status = 'pending' ORDER BY id LIMIT 1)`,
				`UPDATE paidan.task SET status = 'cancelled' WHERE id = (SELECT id FROM paidan.task WHERE status = 'pending' ORDER BY id DESC LIMIT 1)`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil && ctx.Err() == nil {
					t.Errorf("business writer: %s: %v", q, err)
					return
				}
			}
			writes++
			time.Sleep(5 * time.Millisecond)
		}
	}()
	waitLog(t, logs[0], regexp.MustCompile(`run applied`))

	dir := filepath.Join(t.TempDir(), "nightly")
	out, stderr, code := runCLI(t, "backup", "--db", dsn, "--out", dir)
	if code != exitOK {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	time.Sleep(200 * time.Millisecond) // the load carries on after the snapshot
	cancel()
	wg.Wait()
	if writes == 0 {
		t.Fatal("the business writer wrote nothing")
	}
	m, err := backup.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["paidan.run"] == 0 || m.Tables["paidan.assignment"] == 0 || m.Tables["paidan.edit_history"] == 0 ||
		m.LedgerHead == nil || m.LedgerHead.Seq == 0 {
		t.Errorf("the backup caught no runs or history: %v, ledger %v\n%s", m.Tables, m.LedgerHead, out)
	}
	if m.SchemaVersion < 21 || m.ServerVersion == "" || len(m.Files) != 3 {
		t.Errorf("manifest: schema %d, server %q, %d files", m.SchemaVersion, m.ServerVersion, len(m.Files))
	}
	if out, _, code := runCLI(t, "backup", "verify", dir); code != exitOK || !strings.Contains(out, "every file matches") {
		t.Errorf("backup verify: exit %d\n%s", code, out)
	}

	target := pgtest.NewEmptyURL(t)
	out, stderr, code = runCLI(t, "restore", "--from", dir, "--db", target)
	if code != exitOK {
		t.Fatalf("restore: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, want := range []string{"ok       rows paidan.assignment\n", "ok       schema version\n", "ok       ledger head\n",
		"ok       ledger\n", "ok       invariants\n", "every check passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q:\n%s", want, out)
		}
	}
	restored := openTest(t, target)
	var n int64
	if err := restored.Get(&n, `SELECT count(*) FROM paidan.run`); err != nil || n != m.Tables["paidan.run"] {
		t.Errorf("restored runs %d (%v), manifest %d", n, err, m.Tables["paidan.run"])
	}
	// The restored database works: the runtime role's grants came back.
	if err := restored.Get(&n, `SELECT count(*) FROM information_schema.role_table_grants
		WHERE grantee = 'paidan_runtime' AND table_schema = 'paidan'`); err != nil || n == 0 {
		t.Errorf("paidan_runtime's grants in the restored database: %d (%v)", n, err)
	}
	// River's queue came back with it (the deliveries pending at the backup).
	if err := restored.Get(&n, `SELECT count(*) FROM paidan_river.river_migration`); err != nil || n == 0 {
		t.Errorf("River's migrations in the restored database: %d (%v)", n, err)
	}

	t.Run("non-empty target", func(t *testing.T) {
		var before int64
		if err := db.Get(&before, `SELECT count(*) FROM paidan.task`); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runCLI(t, "restore", "--from", dir, "--db", dsn)
		if code != exitError || !strings.Contains(stderr, "restore target is not empty") || !strings.Contains(stderr, "schema paidan") {
			t.Errorf("restore over the live database: exit %d, stderr %q", code, stderr)
		}
		var after int64
		if err := db.Get(&after, `SELECT count(*) FROM paidan.task`); err != nil || after != before {
			t.Errorf("tasks %d after a refused restore, %d before (%v)", after, before, err)
		}
		// Told to, it replaces.
		if out, stderr, code := runCLI(t, "restore", "--from", dir, "--db", target, "--replace"); code != exitOK {
			t.Errorf("restore --replace: exit %d\n%s\n%s", code, out, stderr)
		}
	})

	t.Run("flipped byte", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad")
		if err := os.CopyFS(bad, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		dump := filepath.Join(bad, "paidan.dump")
		b, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x01
		if err := os.WriteFile(dump, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, stderr, code := runCLI(t, "backup", "verify", bad); code != exitNo || !strings.Contains(stderr, "paidan.dump: SHA-256") {
			t.Errorf("verify of a flipped byte: exit %d, stderr %q", code, stderr)
		}
		empty := pgtest.NewEmptyURL(t)
		if _, stderr, code := runCLI(t, "restore", "--from", bad, "--db", empty); code != exitNo || !strings.Contains(stderr, "paidan.dump: SHA-256") {
			t.Errorf("restore of a flipped byte: exit %d, stderr %q", code, stderr)
		}
		var schemas int
		if err := openTest(t, empty).Get(&schemas, `SELECT count(*) FROM pg_namespace WHERE nspname = 'paidan'`); err != nil || schemas != 0 {
			t.Errorf("a refused restore left %d paidan schemas (%v)", schemas, err)
		}
	})
}

// TestScheduledBackups runs the scheduler with --backup-every: backups
// appear in --backup-dir, each verifiable, and only --keep-backups remain.
func TestScheduledBackups(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	seedCLI(t, dsn, "city", 50)
	root := filepath.Join(t.TempDir(), "backups")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"schedule", "--every", "1h", "--metrics-addr", "", "--db", dsn,
			"--backup-every", "1100ms", "--backup-dir", root, "--keep-backups", "2"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Count(stderr.String(), "scheduled backup written") < 4 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("schedule: %v\n%s", err, stderr.String())
	}
	if n := strings.Count(stderr.String(), "scheduled backup written"); n < 4 {
		t.Fatalf("%d scheduled backups within two minutes, want 4:\n%s", n, stderr.String())
	}
	if strings.Contains(stderr.String(), "scheduled backup failed") {
		t.Errorf("a scheduled backup failed:\n%s", stderr.String())
	}
	dirs, _, err := backup.Scheduled(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 {
		t.Errorf("%d backups kept, want 2: %v", len(dirs), dirs)
	}
	for _, d := range dirs {
		if _, err := backup.Verify(d); err != nil {
			t.Error(err)
		}
	}
}
