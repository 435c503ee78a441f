package pgtest_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgtest"
)

// TestTLSCluster checks that the TLS cluster takes verified TLS
// connections, refuses plain ones, and fails verification against another CA.
func TestTLSCluster(t *testing.T) {
	t.Parallel()
	cl := pgtest.NewTLSCluster(t)
	db, err := sqlx.Open("postgres", cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var on bool
	if err := db.Get(&on, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`); err != nil || !on {
		t.Fatalf("verify-full connection: ssl %v, err %v; want a TLS connection", on, err)
	}

	plain, err := sqlx.Open("postgres", cl.PlainURL())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Ping(); err == nil || !strings.Contains(err.Error(), "pg_hba.conf") {
		t.Errorf("plain connection: %v, want refused by pg_hba.conf", err)
	}

	// A client that trusts another CA refuses the server.
	other := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(other, otherCA, 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sslrootcert", other)
	u.RawQuery = q.Encode()
	wrong, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	if err := wrong.Ping(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("connection trusting another CA: %v, want a certificate verification error", err)
	}
}

// otherCA is a CA certificate unrelated to any test cluster's.
var otherCA = []byte(`-----BEGIN CERTIFICATE-----
MIIBXzCCAQWgAwIBAgIBATAKBggqhkjOPQQDAjAXMRUwEwYDVQQDEwx1bnJlbGF0
ZWQgQ0EwHhcNMjYwMTAxMDAwMDAwWhcNMzYwMTAxMDAwMDAwWjAXMRUwEwYDVQQD
Ewx1bnJlbGF0ZWQgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARdwXB2Vcyk
4ofVzWCwip3hBBqnR4Ryp/S6qmsJp5KBskace8E7UsS9qcrKWuAZAS1pKsTtjm6e
nhOG9H6di0kgo0IwQDAOBgNVHQ8BAf8EBAMCAgQwDwYDVR0TAQH/BAUwAwEB/zAd
BgNVHQ4EFgQUD8SZsZsj/64ovv+vp5y6JhdtSOgwCgYIKoZIzj0EAwIDSAAwRQIh
AMv/zql0kUZb9kXbkVxWVP1LeiR5FtGsJoj9O+yjLIqnAiAxJ9yVVB7pXap13HWU
XG8gqG7Nd6aClULX9doQmPg0PA==
-----END CERTIFICATE-----
`)
