package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/internal/pgtest"
)

func TestAccountTokenAuditCommands(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.NewConsoleURL(t)
	out, errOut, code := runCLI(t, "account", "create", "ada", "--role", "admin", "--name", "Ada L", "--db", dsn)
	pw := strings.TrimSpace(out)
	if code != exitOK || len(pw) != 20 || !strings.Contains(errOut, "shown once") {
		t.Fatalf("account create: code %d, stdout %q, stderr %q; want 0 and a 20-character password", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "account", "create", "ada", "--role", "viewer", "--db", dsn); code != exitError || !strings.Contains(errOut, "already exists") {
		t.Errorf("second ada: code %d, %q", code, errOut)
	}
	for _, args := range [][]string{
		{"account", "create", "Bad Login", "--role", "viewer"},
		{"account", "create", "bob", "--role", "root"},
		{"account", "set-role", "ada", "superuser"},
		{"token", "create", "--account", "ada"},
		{"token", "revoke", "x"},
	} {
		if _, errOut, code := runCLI(t, append(args, "--db", dsn)...); code != exitUsage {
			t.Errorf("%v: code %d (%s), want %d", args, code, errOut, exitUsage)
		}
	}
	runOK := func(args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, append(args, "--db", dsn)...)
		if code != exitOK {
			t.Fatalf("%v: code %d: %s", args, code, errOut)
		}
		return out
	}
	runOK("account", "create", "vera", "--role", "viewer")
	runOK("account", "set-role", "vera", "planner")
	runOK("account", "disable", "vera")
	runOK("account", "enable", "vera")
	if pw2 := strings.TrimSpace(runOK("account", "reset-password", "vera")); len(pw2) != 20 {
		t.Errorf("reset-password printed %q", pw2)
	}
	list := runOK("account", "list")
	if !regexp.MustCompile(`(?m)^vera\s+planner\s+false`).MatchString(list) || strings.Contains(list, "argon2") {
		t.Errorf("account list:\n%s", list)
	}
	tok := strings.TrimSpace(runOK("token", "create", "--account", "ada", "--name", "bi", "--role", "viewer", "--ttl", "1h"))
	if !strings.HasPrefix(tok, "pdn_") {
		t.Fatalf("token create printed %q", tok)
	}
	tokens := runOK("token", "list")
	if strings.Contains(tokens, tok) || !strings.Contains(tokens, tok[:10]) {
		t.Errorf("token list shows the token or not its prefix:\n%s", tokens)
	}
	runOK("token", "revoke", "1")
	audit := runOK("audit", "list")
	var actions []string
	for _, line := range strings.Split(strings.TrimSpace(audit), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 8 || !strings.HasPrefix(f[2], "shell:") {
			t.Fatalf("audit line %q: want 8 fields, actor shell:…", line)
		}
		actions = append(actions, f[4])
	}
	want := "token.revoke token.create account.reset_password account.enable account.disable account.set_role account.create account.create"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit actions:\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(audit, pw) || strings.Contains(audit, tok) {
		t.Error("the audit trail holds a password or a token")
	}
	if out := runOK("audit", "list", "--action", "account.create", "--limit", "1"); strings.Count(out, "\n") != 1 {
		t.Errorf("audit list --action account.create --limit 1:\n%s", out)
	}
}

func TestServeRefusesPlaintextBeyondLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:8080", "example.com:80"} {
		_, errOut, code := runCLI(t, "serve", "--addr", addr, "--db", "postgres://x@127.0.0.1:1/x")
		if code != exitUsage || !strings.Contains(errOut, "--tls-cert") {
			t.Errorf("serve --addr %s: code %d, %q; want a usage error naming --tls-cert", addr, code, errOut)
		}
	}
	if _, errOut, code := runCLI(t, "serve", "--tls-cert", "c.pem", "--db", "x"); code != exitUsage {
		t.Errorf("--tls-cert without --tls-key: code %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, "serve", "--explain-cache", "0", "--db", "postgres://x@127.0.0.1:1/x"); code != exitUsage || !strings.Contains(errOut, "--explain-cache") {
		t.Errorf("--explain-cache 0: code %d, %q; want a usage error naming --explain-cache", code, errOut)
	}
}

// TestServeTLS serves over TLS with a self-signed certificate: the
// session cookie is Secure and host-only (__Host- prefix).
func TestServeTLS(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.NewConsoleURL(t)
	out, _, code := runCLI(t, "account", "create", "ada", "--role", "viewer", "--db", dsn)
	if code != exitOK {
		t.Fatal("account create failed")
	}
	certFile, keyFile := selfSigned(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--metrics-addr", "", "--tls-cert", certFile, "--tls-key", keyFile},
			io.Discard, &stderr)
	}()
	base := waitForURL(t, &stderr, `console at (https://[0-9.:]+)/`)
	c := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {"ada"}, "password": {strings.TrimSpace(out)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 || cs[0].Name != "__Host-paidan_session" || !cs[0].Secure {
		t.Fatalf("login over TLS: %s, cookies %+v; want one Secure __Host-paidan_session", resp.Status, cs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// waitForURL waits up to 30 s for stderr to announce the server's URL.
func waitForURL(t *testing.T, stderr *lockedBuffer, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listen address after 30s; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServe starts the command, logs in with an account the CLI made, and
// stops it as SIGTERM would (the context ends): it exits 0.
func TestServe(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.NewConsoleURL(t)
	out, _, code := runCLI(t, "account", "create", "ada", "--role", "admin", "--db", dsn)
	if code != exitOK {
		t.Fatal("account create failed")
	}
	pw := strings.TrimSpace(out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, io.Discard, &stderr)
	}()
	base := waitForURL(t, &stderr, `console at (http://[0-9.:]+)/`)
	metrics := waitForURL(t, &stderr, `metrics at (http://[0-9.:]+)/metrics`)
	if metrics == base {
		t.Fatalf("metrics and console on one address %s", base)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// /metrics has no authentication: it is served only on its own
	// listener, never beside the console.
	for u, want := range map[string]int{base + "/healthz": 200, base + "/readyz": 200, base + "/metrics": 404,
		base + "/runs": 303, base + "/api/v1/runs": 401, metrics + "/metrics": 200, metrics + "/healthz": 200, metrics + "/runs": 404} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %s, want %d", u, resp.Status, want)
		}
	}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {"ada"}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login with the printed password: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after the signal: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s of the signal")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr does not say it shut down:\n%s", stderr.String())
	}
}
