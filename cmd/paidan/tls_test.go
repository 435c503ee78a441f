package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	exportpg "github.com/paidan/paidan/export/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// TestCycleOverTLS runs the whole cycle — migrate, seed, run — against a
// server that refuses every connection without TLS, each command
// verifying the server's certificate against the generated CA
// (sslmode=verify-full, sslrootcert). The scheduler's role logs in with a
// canary password from a --db-file; it shows nowhere, run records
// included.
func TestCycleOverTLS(t *testing.T) {
	t.Parallel()
	cl := pgtest.NewTLSCluster(t)
	if !strings.Contains(cl.URL(), "sslmode=verify-full") || !strings.Contains(cl.URL(), "sslrootcert=") {
		t.Fatalf("DSN %s does not verify the server", cl.URL())
	}
	out, stderr, code := runCLI(t, "migrate", "up", "--db", cl.URL())
	if code != exitOK || !strings.Contains(out, "applied") {
		t.Fatalf("migrate up over TLS: exit %d\n%s%s", code, out, stderr)
	}
	seedCLI(t, cl.URL(), "city", 100)

	admin := openTest(t, cl.URL())
	if _, err := admin.Exec(`CREATE ROLE tls_sched LOGIN PASSWORD '` + canary + `' IN ROLE paidan_runtime`); err != nil {
		t.Fatal(err)
	}
	dsnFile := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(dsnFile, []byte(cl.URLAs("tls_sched", canary)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, "run", "--once", "--db-file", dsnFile, "--export-dir", t.TempDir())
	if code != exitOK || !strings.Contains(out, "city\t") || !strings.Contains(out, "\tapplied\t") {
		t.Fatalf("run over TLS: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if strings.Contains(out+stderr, canary) || strings.Contains(stderr, "warning") {
		t.Errorf("run over TLS printed the password or a warning:\n%s%s", out, stderr)
	}
	var leaked int
	if err := admin.Get(&leaked, `SELECT count(*) FROM paidan.run WHERE coalesce(error, '') LIKE '%' || $1 || '%'`, canary); err != nil {
		t.Fatal(err)
	}
	if leaked != 0 {
		t.Errorf("%d run records hold the password", leaked)
	}
	// The recommended form: no password in the DSN, which --db may then
	// carry without a warning, and the password in a password file.
	passfile := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(passfile, []byte("*:*:*:tls_sched:"+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, "run", "--once", "--db", cl.URLAs("tls_sched", "")+"&passfile="+passfile)
	if code != exitOK || !strings.HasPrefix(out, "city\t") || strings.Contains(stderr, "warning") || strings.Contains(out+stderr, canary) {
		t.Errorf("run with a password file: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if err := exportpg.CheckInvariants(context.Background(), admin); err != nil {
		t.Error(err)
	}

	// The same cycle without TLS is refused by the server.
	_, stderr, code = runCLI(t, "migrate", "status", "--db", cl.PlainURL())
	if code != exitError || !strings.Contains(stderr, "pg_hba.conf") {
		t.Errorf("plain connection: exit %d, stderr %q; want refused", code, stderr)
	}
}
