package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the database/sql driver "postgres"
	"github.com/spf13/cobra"
)

// envDatabaseURL names the environment variable that supplies --db.
const envDatabaseURL = "PAIDAN_DATABASE_URL"

// addDBFlag adds --db to cmd and returns where its value lands.
func addDBFlag(cmd *cobra.Command) *string {
	dsn := new(string)
	cmd.Flags().StringVar(dsn, "db", "",
		"PostgreSQL DSN, e.g. postgres://user:pass@host/db?sslmode=disable (default $"+envDatabaseURL+")")
	return dsn
}

// openDB connects to the database named by flag, or by $PAIDAN_DATABASE_URL
// when flag is empty, and checks the connection. Errors never contain the
// password.
func openDB(ctx context.Context, flag string) (*sqlx.DB, error) {
	dsn := flag
	if dsn == "" {
		dsn = os.Getenv(envDatabaseURL)
	}
	if dsn == "" {
		return nil, usageErrorf("no database: pass --db or set $%s", envDatabaseURL)
	}
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), scrub(err, dsn))
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactDSN(dsn), scrub(err, dsn))
	}
	return db, nil
}

// keyValuePassword matches password=... in a key/value DSN.
var keyValuePassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactDSN returns dsn with any password replaced by "xxxxx".
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return keyValuePassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// scrub returns err with every occurrence of the DSN's password removed from
// its message, keeping errors.Is working through the wrapper.
func scrub(err error, dsn string) error {
	pw := dsnPassword(dsn)
	if err == nil || pw == "" {
		return err
	}
	return &scrubbedError{err: err, password: pw}
}

func dsnPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		pw, _ := u.User.Password()
		return pw
	}
	if m := keyValuePassword.FindStringSubmatch(dsn); m != nil {
		return m[2]
	}
	return ""
}

// scrubbedError hides a password from an error's message.
type scrubbedError struct {
	err      error
	password string
}

func (e *scrubbedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.password, "xxxxx")
}

func (e *scrubbedError) Unwrap() error { return e.err }
