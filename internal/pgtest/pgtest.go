package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the database/sql driver "postgres"
	"github.com/peterldowns/pgtestdb"

	"github.com/paidan/paidan/internal/pgcluster"
	"github.com/paidan/paidan/internal/pgschema"
)

// EnvURL names the environment variable holding the DSN of an existing
// server to use instead of starting one.
const EnvURL = "PAIDAN_TEST_DATABASE_URL"

// The process-wide server. Test binaries are one process per package, and a
// server is expensive to start, so it is shared by every test of the
// process and stopped by Main.
var (
	serverOnce sync.Once
	serverConf pgtestdb.Config
	serverErr  error
	started    *pgcluster.Cluster // nil unless this process started the server
)

// Main runs the package's tests, stops the cluster New may have started,
// and exits with the tests' status.
func Main(m *testing.M) {
	code := m.Run()
	if started != nil {
		if err := started.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	os.Exit(code)
}

// New returns a connection to a new database with paidan's schema
// migrated, for this test alone. The database is dropped when the test
// passes and kept (its DSN logged) when it fails.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	return sqlx.NewDb(pgtestdb.New(t, config(t), migrator{}), "postgres")
}

// NewEmpty is like New but the database has no schema at all, for tests
// of the migrations themselves.
func NewEmpty(t testing.TB) *sqlx.DB {
	t.Helper()
	return sqlx.NewDb(pgtestdb.New(t, config(t), pgtestdb.NoopMigrator{}), "postgres")
}

// NewURL is like New but returns the database's DSN, for code under test
// that opens its own connections (the CLI's --db flag).
func NewURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, config(t), migrator{}).URL()
}

// NewEmptyURL is like NewEmpty but returns the database's DSN.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, config(t), pgtestdb.NoopMigrator{}).URL()
}

// Admin returns a superuser connection to the server's maintenance
// database, for tests that need server-wide operations (terminating
// backends, inspecting locks). The connection is closed at test end.
func Admin(t testing.TB) *sqlx.DB {
	t.Helper()
	c := config(t)
	db, err := sqlx.Open("postgres", c.URL())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func config(t testing.TB) pgtestdb.Config {
	t.Helper()
	serverOnce.Do(func() { serverConf, serverErr = server() })
	if serverErr != nil {
		t.Fatalf("pgtest: %v", serverErr)
	}
	return serverConf
}

// server returns the configuration of the server to use, starting a cluster
// when the environment names none.
func server() (pgtestdb.Config, error) {
	if dsn := os.Getenv(EnvURL); dsn != "" {
		return parseDSN(dsn)
	}
	c, err := startCluster()
	if err != nil {
		return pgtestdb.Config{}, err
	}
	started = c
	return pgtestdb.Config{
		DriverName: "postgres",
		Host:       "127.0.0.1",
		Port:       c.Port(),
		User:       clusterSuperuser,
		Database:   "postgres",
		Options:    "sslmode=disable",
		TestRole:   ownerRole(),
	}, nil
}

// ownerRole is the role that migrates and owns every test database: like
// pgtestdb's default it is no superuser and cannot create databases, but it
// has CREATEROLE, which the migration creating paidan_runtime needs, as the
// production migration owner does.
func ownerRole() *pgtestdb.Role {
	return &pgtestdb.Role{
		Username:     "paidan_test_owner",
		Password:     "paidan_test_owner",
		Capabilities: "NOSUPERUSER NOCREATEDB CREATEROLE",
	}
}

// parseDSN turns a postgres:// URL into a pgtestdb.Config.
func parseDSN(dsn string) (pgtestdb.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return pgtestdb.Config{}, fmt.Errorf("%s must be a postgres:// URL", EnvURL)
	}
	pw, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	return pgtestdb.Config{
		DriverName: "postgres",
		Host:       u.Hostname(),
		Port:       port,
		User:       u.User.Username(),
		Password:   pw,
		Database:   strings.TrimPrefix(u.Path, "/"),
		Options:    q.Encode(),
		TestRole:   ownerRole(),
	}, nil
}

// migrator builds pgtestdb's template databases with pgschema.
type migrator struct{}

func (migrator) Hash() (string, error) { return pgschema.Hash(), nil }

func (migrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	m, err := pgschema.New(db)
	if err != nil {
		return err
	}
	_, err = m.Up(ctx)
	return err
}

// WaitForLockWait returns once a session of db's database waits for a lock
// in a query matching pattern (SQL LIKE), so that a test can act while
// another transaction is known to be blocked. It fails the test if ctx ends
// first.
func WaitForLockWait(tb testing.TB, ctx context.Context, db *sqlx.DB, pattern string) {
	tb.Helper()
	for {
		var n int
		err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, pattern)
		if err != nil {
			tb.Fatalf("waiting for a session blocked on %q: %v", pattern, err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
