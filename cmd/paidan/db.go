package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
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

// keyValuePassword matches password=... in a key/value DSN: a single-quoted
// value (with backslash escapes) or a bare word.
var keyValuePassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// urlSchemes are the URL prefixes lib/pq accepts.
var urlSchemes = []string{"postgres://", "postgresql://"}

// redactDSN returns dsn fit to show: passwords (in the user info, in a
// query parameter whose name contains "pass", or in a key/value pair)
// replaced by "xxxxx". A postgres URL that does not parse is not shown at
// all, since where its password ends cannot be told.
func redactDSN(dsn string) string {
	if !isURL(dsn) {
		return keyValuePassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "<unparseable postgres URL>"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for key := range q {
		if strings.Contains(strings.ToLower(key), "pass") {
			q.Set(key, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func isURL(dsn string) bool {
	lower := strings.ToLower(dsn)
	for _, p := range urlSchemes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// secrets are the strings of a DSN that must never be shown.
type secrets []string

// dsnSecrets returns every password a DSN carries, in each form it may be
// echoed back (raw and decoded).
func dsnSecrets(dsn string) secrets {
	var out secrets
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	if !isURL(dsn) {
		for _, m := range keyValuePassword.FindAllStringSubmatch(dsn, -1) {
			add(m[2])
			if v := m[2]; len(v) >= 2 && v[0] == '\'' {
				add(strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v[1 : len(v)-1]))
			}
		}
		return out
	}
	// The user info of a URL runs from the scheme to the last '@' before
	// the path; take it raw, so that a URL that does not parse (an
	// unescaped '/' or '#' in the password) still gives its password up.
	rest := dsn[strings.Index(dsn, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			add(pw)
			if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
				add(dec)
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		for key, vals := range u.Query() {
			if strings.Contains(strings.ToLower(key), "pass") {
				for _, v := range vals {
					add(v)
					add(url.QueryEscape(v))
				}
			}
		}
	}
	return out
}

// hide returns text with every secret replaced by "xxxxx", longest first so
// that a secret containing another is replaced whole.
func (s secrets) hide(text string) string {
	sorted := slices.SortedFunc(slices.Values(s), func(a, b string) int { return len(b) - len(a) })
	for _, secret := range sorted {
		text = strings.ReplaceAll(text, secret, "xxxxx")
	}
	return text
}

// scrub returns err with every password of the DSN removed from its
// message, keeping errors.Is working through the wrapper.
func scrub(err error, dsn string) error {
	s := dsnSecrets(dsn)
	if err == nil || len(s) == 0 {
		return err
	}
	return &scrubbedError{err: err, secrets: s}
}

// scrubbedError hides secrets from an error's message.
type scrubbedError struct {
	err     error
	secrets secrets
}

func (e *scrubbedError) Error() string { return e.secrets.hide(e.err.Error()) }

func (e *scrubbedError) Unwrap() error { return e.err }
