package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgtest"
)

// superuserTest returns a superuser connection to db's database: as the
// user of $PAIDAN_TEST_DATABASE_URL, or as the throwaway cluster's
// "postgres" (trust authentication on loopback).
func superuserTest(t *testing.T, db *sqlx.DB) *sqlx.DB {
	t.Helper()
	var where struct {
		Host string `db:"host"`
		Port int    `db:"port"`
		Name string `db:"name"`
	}
	if err := db.Get(&where, `SELECT host(inet_server_addr()) AS host, inet_server_port() AS port, current_database() AS name`); err != nil {
		t.Fatal(err)
	}
	u := &url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", where.Host, where.Port), Path: "/" + where.Name,
		RawQuery: "sslmode=disable", User: url.User("postgres")}
	if env := os.Getenv(pgtest.EnvURL); env != "" {
		e, err := url.Parse(env)
		if err != nil {
			t.Fatal(err)
		}
		u.User = e.User
	}
	return openTest(t, u.String())
}

// TestLedgerVerifySignAndTamper runs real write-backs, verifies and signs
// the ledger, then rewrites an applied run's assignment with every trigger
// disabled: verify names the run.
func TestLedgerVerifySignAndTamper(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	db := openTest(t, dsn)
	seedCLI(t, dsn, "east", 200)
	// An applied run, then a skipped one (nothing left to assign): both
	// get an entry.
	for range 2 {
		if _, stderr, code := runCLI(t, "run", "--once", "--db", dsn, "--partition", "east"); code != exitOK {
			t.Fatalf("run --once: exit %d\n%s", code, stderr)
		}
	}
	out, stderr, code := runCLI(t, "ledger", "verify", "--db", dsn)
	if code != exitOK || !strings.HasPrefix(out, "ledger: 2 entries verified; head entry 2, hash ") {
		t.Fatalf("ledger verify: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	dir := t.TempDir()
	key, head := filepath.Join(dir, "ledger.key"), filepath.Join(dir, "head.json")
	if _, stderr, code := runCLI(t, "ledger", "keygen", "--out", key); code != exitOK {
		t.Fatalf("keygen: exit %d %s", code, stderr)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if out, stderr, code := runCLI(t, "ledger", "sign", "--db", dsn, "--sign-key", key, "--out", head); code != exitOK || !strings.Contains(out, "entry 2") {
		t.Fatalf("sign: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if out, _, code := runCLI(t, "ledger", "verify", "--db", dsn, "--head", head, "--public-key", key+".pub"); code != exitOK {
		t.Fatalf("verify against the signed head: exit %d %s", code, out)
	}
	// A key readable by others is refused.
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "ledger", "sign", "--db", dsn, "--sign-key", key, "--out", head); code != exitError || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("sign with a world-readable key: exit %d, stderr %q", code, stderr)
	}

	var victim struct {
		Run  string `db:"run_id"`
		Task string `db:"task_id"`
		Seq  int    `db:"seq"`
	}
	if err := db.Get(&victim, `SELECT a.run_id, a.task_id, l.seq FROM paidan.assignment a JOIN paidan.ledger l ON l.run_id = a.run_id
		ORDER BY a.task_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	su := superuserTest(t, db)
	for _, q := range []string{
		`ALTER TABLE paidan.assignment DISABLE TRIGGER ALL`,
		`UPDATE paidan.assignment SET cost_travel = cost_travel + 1 WHERE run_id = '` + victim.Run + `' AND task_id = '` + victim.Task + `'`,
		`ALTER TABLE paidan.assignment ENABLE TRIGGER ALL`,
	} {
		if _, err := su.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out, stderr, code = runCLI(t, "ledger", "verify", "--db", dsn)
	if code != exitNo || !strings.Contains(stderr, fmt.Sprintf(`run %q (entry %d): assignment rows changed`, victim.Run, victim.Seq)) {
		t.Errorf("verify after tampering: exit %d, stdout %q, stderr %q; want exit 3 naming run %s", code, out, stderr, victim.Run)
	}
	if _, stderr, code := runCLI(t, "ledger", "sign", "--db", dsn, "--sign-key", key, "--out", head); code == exitOK {
		t.Errorf("sign of a tampered ledger succeeded: %s", stderr)
	}
}
