package pgtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgcluster"
)

// TLSCluster is a PostgreSQL server started for one test alone that
// accepts TCP connections only over TLS, with a server certificate for
// 127.0.0.1 and localhost signed by a CA generated for it. Clients verify
// it as production clients should: sslmode=verify-full with sslrootcert
// naming CAFile. Its database "postgres" is empty (no schema): a test
// migrates it, as an operator would. The superuser logs in without a
// password; every other role must give its password (scram-sha-256).
type TLSCluster struct {
	c *pgcluster.Cluster
	// CAFile is the PEM file of the CA that signed the server's
	// certificate, for sslrootcert.
	CAFile string
}

// NewTLSCluster starts a TLS-only cluster; it is removed when the test ends.
func NewTLSCluster(t testing.TB) *TLSCluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Logf("pgtest: %v", err)
		}
	})
	cl := &TLSCluster{c: c, CAFile: filepath.Join(c.Dir(), "ca.pem")}
	if err := cl.enableTLS(); err != nil {
		t.Fatalf("pgtest: enable TLS: %v", err)
	}
	return cl
}

// enableTLS writes a CA and a server certificate, turns ssl on and makes
// pg_hba.conf refuse every TCP connection without TLS, then reloads the
// server (ssl can be switched on by a reload).
func (cl *TLSCluster) enableTLS() error {
	caCert, caKey, err := newCA()
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := newServerCert(caCert, caKey)
	if err != nil {
		return err
	}
	data := cl.c.DataDir()
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{cl.CAFile, pemBlock("CERTIFICATE", caCert.Raw), 0o644},
		{filepath.Join(data, "server.crt"), certPEM, 0o644},
		{filepath.Join(data, "server.key"), keyPEM, 0o600}, // the server refuses a key others can read
		{filepath.Join(data, "pg_hba.conf"), []byte(
			"local   all  all                    trust\n" +
				"hostssl all  " + clusterSuperuser + " 127.0.0.1/32 trust\n" +
				"hostssl all  all       127.0.0.1/32 scram-sha-256\n" +
				"hostnossl all all      0.0.0.0/0    reject\n" +
				"hostnossl all all      ::/0         reject\n"), 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return err
		}
		if err := cl.c.Chown(f.path); err != nil {
			return err
		}
	}
	// Before the reload the server still takes plain connections.
	db, err := sqlx.Open("postgres", cl.c.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		`ALTER SYSTEM SET ssl = on`,
		`ALTER SYSTEM SET ssl_cert_file = 'server.crt'`,
		`ALTER SYSTEM SET ssl_key_file = 'server.key'`,
		`ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2'`,
		`ALTER SYSTEM SET password_encryption = 'scram-sha-256'`,
		`SELECT pg_reload_conf()`,
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	// The reload is asynchronous: wait until a TLS connection verifies.
	deadline := time.Now().Add(30 * time.Second)
	for {
		tdb, err := sqlx.Open("postgres", cl.URL())
		if err == nil {
			var on bool
			err = tdb.Get(&on, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)
			tdb.Close()
			if err == nil && on {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no TLS connection within 30s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns the superuser DSN of the cluster's database "postgres", over
// TLS with the server verified (sslmode=verify-full, sslrootcert=CAFile).
func (cl *TLSCluster) URL() string {
	return cl.URLAs(clusterSuperuser, "")
}

// URLAs is URL for another role, with its password (none when "").
func (cl *TLSCluster) URLAs(user, password string) string {
	u := url.URL{Scheme: "postgres", Host: "127.0.0.1:" + cl.c.Port(), Path: "/postgres",
		RawQuery: url.Values{"sslmode": {"verify-full"}, "sslrootcert": {cl.CAFile}}.Encode()}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// PlainURL returns the superuser DSN without TLS (sslmode=disable), which
// the server refuses: for tests that check that it does.
func (cl *TLSCluster) PlainURL() string {
	return cl.c.URL()
}

// newCA returns a self-signed CA certificate valid for a day.
func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "paidan test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// newServerCert returns a server certificate for 127.0.0.1, ::1 and
// localhost signed by the CA, and its key, as PEM.
func newServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("EC PRIVATE KEY", keyDER), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
