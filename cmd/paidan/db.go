package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/internal/pgschema"
)

// envDatabaseURL names the environment variable that supplies the DSN when
// neither --db nor --db-file is given.
const envDatabaseURL = "PAIDAN_DATABASE_URL"

// dsnExample is the DSN form the help texts show: TLS that checks the
// server's certificate and name against a CA the operator names.
const dsnExample = "postgres://user@db.example/paidan?sslmode=verify-full&sslrootcert=/etc/paidan/db-ca.pem"

// Errors of a DSN that cannot be parsed. They carry no text of the DSN:
// where its password ends cannot be told.
var (
	errBadURL = errors.New("the DSN is not a valid postgres:// URL; percent-encode every special " +
		"character of the user name and password (# as %23, / as %2F, ? as %3F, @ as %40, " +
		"space as %20, % as %25), or use the key=value form with the password single-quoted")
	errAmbiguousURL = errors.New("the DSN's user info is ambiguous: an '@' follows a '/', '?' or '#' " +
		"(a password holding one of these must percent-encode it: / as %2F, ? as %3F, # as %23, @ as %40)")
	errBadKeyValue = errors.New("the DSN is not a valid key=value list; a value holding spaces, " +
		"quotes or backslashes must be single-quoted, with \\' and \\\\ inside")
)

// dbFlag holds the DSN that --db or --db-file gave, for one command.
type dbFlag struct {
	cmd    *cobra.Command
	dsn    string
	source string // "--db", "--db-file" or "" when neither was given
}

// addDBFlag adds --db and --db-file to cmd and returns where the DSN they
// give lands ("" when neither is given: then openDB reads
// $PAIDAN_DATABASE_URL). A --db that carries a password prints a warning,
// since other users of the machine can read a command line.
func addDBFlag(cmd *cobra.Command) *string {
	f := &dbFlag{cmd: cmd}
	cmd.Flags().Var(dbValue{f}, "db",
		"PostgreSQL DSN, e.g. "+dsnExample+" (default $"+envDatabaseURL+"); "+
			"a password here is visible to other users: prefer $"+envDatabaseURL+", --db-file or a PGPASSFILE")
	cmd.Flags().Var(dbFileValue{f}, "db-file",
		"read the PostgreSQL DSN from FILE (one line; keep the file mode 0600)")
	return &f.dsn
}

// dbValue is --db as a pflag.Value.
type dbValue struct{ f *dbFlag }

func (v dbValue) String() string {
	if v.f == nil || v.f.dsn == "" {
		return ""
	}
	return redactDSN(v.f.dsn)
}

func (v dbValue) Type() string { return "DSN" }

func (v dbValue) Set(dsn string) error {
	if err := v.f.set("--db", dsn); err != nil {
		return err
	}
	if hasPassword(dsn) {
		fmt.Fprintln(v.f.cmd.ErrOrStderr(), "paidan: warning: the password in --db can be read by "+
			"other users of this machine (ps, /proc, shell history); pass the DSN in $"+envDatabaseURL+
			" or --db-file, or keep the password in a PGPASSFILE")
	}
	return nil
}

// dbFileValue is --db-file as a pflag.Value: the file's content, without
// the surrounding white space, is the DSN.
type dbFileValue struct{ f *dbFlag }

func (v dbFileValue) String() string { return "" }

func (v dbFileValue) Type() string { return "FILE" }

func (v dbFileValue) Set(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read the DSN: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the DSN: %w", err)
	}
	dsn := strings.TrimSpace(string(b))
	if dsn == "" {
		return fmt.Errorf("%s holds no DSN", path)
	}
	if st.Mode().Perm()&0o077 != 0 && hasPassword(dsn) {
		fmt.Fprintf(v.f.cmd.ErrOrStderr(), "paidan: warning: %s holds a password and is readable "+
			"by group or others (mode %#o); chmod 600 it\n", path, st.Mode().Perm())
	}
	return v.f.set("--db-file", dsn)
}

func (f *dbFlag) set(source, dsn string) error {
	if f.source != "" && f.source != source {
		return fmt.Errorf("give only one of --db and --db-file")
	}
	f.dsn, f.source = dsn, source
	return nil
}

// dsnOf returns flag, or $PAIDAN_DATABASE_URL when flag is empty.
func dsnOf(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(envDatabaseURL)
}

// openDB connects to the database that flag names (the value of --db or
// --db-file), or $PAIDAN_DATABASE_URL when flag is empty, and checks the
// connection. Errors never contain the password: a DSN that does not
// parse is refused without any of its text, and every other error is
// scrubbed of the passwords the DSN carries.
func openDB(ctx context.Context, flag string) (*sqlx.DB, error) {
	db, err := prepareDB(flag)
	if err != nil {
		return nil, err
	}
	if err := pingDB(ctx, db, dsnOf(flag)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// prepareDB parses the DSN as openDB does and returns a pool that has not
// connected yet.
func prepareDB(flag string) (*sqlx.DB, error) {
	return prepareDBWith(flag, nil)
}

// prepareDBWith is prepareDB with run-time parameters (lock_timeout, …)
// set on every connection of the pool.
func prepareDBWith(flag string, settings map[string]string) (*sqlx.DB, error) {
	dsn := dsnOf(flag)
	if dsn == "" {
		return nil, usageErrorf("no database: set $%s, or pass --db-file FILE or --db DSN", envDatabaseURL)
	}
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	for k, v := range settings {
		if cfg.Runtime == nil {
			cfg.Runtime = map[string]string{}
		}
		cfg.Runtime[k] = v
	}
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), scrub(err, dsn))
	}
	return sqlx.NewDb(sql.OpenDB(conn), "postgres"), nil
}

// pingDB checks that db, opened from dsn, connects, and that the
// database's schema version is inside the window this binary supports
// (pgschema.CheckWindow). Every command that reads or writes paidan's
// tables connects through it; "paidan migrate" and "paidan demo", which
// create the schema, use openDBForMigration instead.
func pingDB(ctx context.Context, db *sqlx.DB, dsn string) error {
	if err := connectDB(ctx, db, dsn); err != nil {
		return err
	}
	if _, err := pgschema.CheckWindow(ctx, db.DB); err != nil {
		return fmt.Errorf("%s: %w", redactDSN(dsn), scrub(err, dsn))
	}
	return nil
}

// connectDB checks that db, opened from dsn, connects.
func connectDB(ctx context.Context, db *sqlx.DB, dsn string) error {
	if err := db.PingContext(ctx); err != nil {
		return &connectError{fmt.Errorf("connect to %s: %w", redactDSN(dsn), scrub(err, dsn))}
	}
	return nil
}

// openDBForMigration connects as openDB does, with the session settings
// given (e.g. lock_timeout), but without the schema window check: it is for
// the commands that create, change or restore the schema.
func openDBForMigration(ctx context.Context, flag string, settings map[string]string) (*sqlx.DB, error) {
	db, err := prepareDBWith(flag, settings)
	if err != nil {
		return nil, err
	}
	if err := connectDB(ctx, db, dsnOf(flag)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// connectError is a failure to reach the database (as opposed to a DSN
// that does not parse).
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// retryable reports whether a connect error may go away by itself: the
// server is down, starting or unreachable. A refused login (SQLSTATE class
// 28) or a missing database (3D000) will not.
func (e *connectError) retryable() bool {
	var pqErr *pq.Error
	if errors.As(e.err, &pqErr) {
		return !strings.HasPrefix(string(pqErr.Code), "28") && pqErr.Code != "3D000"
	}
	return true
}

// parseDSN parses dsn as lib/pq does. A URL or key=value list that does not
// parse, or a URL whose user info is ambiguous, returns one of the errors
// above, which quote nothing of the DSN; lib/pq's own errors (an unknown
// sslmode, say) are scrubbed of the passwords.
func parseDSN(dsn string) (pq.Config, error) {
	if isURL(dsn) {
		if _, err := parseURL(dsn); err != nil {
			return pq.Config{}, fmt.Errorf("open database: %w", err)
		}
	} else if _, err := parseKeyValue(dsn); err != nil {
		return pq.Config{}, fmt.Errorf("open database: %w", err)
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return pq.Config{}, fmt.Errorf("open database %s: %w", redactDSN(dsn), scrub(err, dsn))
	}
	return cfg, nil
}

// parseURL parses a postgres:// URL, refusing one whose user info cannot
// be told apart from its host and path: an '@' after the first '/', '?'
// or '#' that follows the scheme means that a password held one of them
// unescaped (or that the path or query holds an '@', which must then be
// written %40).
func parseURL(dsn string) (*url.URL, error) {
	rest := dsn[strings.Index(dsn, "://")+3:]
	if end := strings.IndexAny(rest, "/?#"); end >= 0 && strings.Contains(rest[end:], "@") {
		return nil, errAmbiguousURL
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, errBadURL
	}
	return u, nil
}

// parseKeyValue splits a key=value DSN as libpq's conninfo_parse does
// (lib/pq follows it too): white space between pairs, a value either bare
// (backslash escapes the next character) or single-quoted (\' and \\
// inside).
func parseKeyValue(dsn string) ([][2]string, error) {
	var pairs [][2]string
	s := []rune(dsn)
	i := 0
	skip := func() {
		for i < len(s) && unicode.IsSpace(s[i]) {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return pairs, nil
		}
		start := i
		for i < len(s) && !unicode.IsSpace(s[i]) && s[i] != '=' {
			i++
		}
		key := string(s[start:i])
		skip()
		if i >= len(s) || s[i] != '=' || key == "" {
			return nil, errBadKeyValue
		}
		i++
		skip()
		var val []rune
		if i < len(s) && s[i] == '\'' {
			i++
			for {
				if i >= len(s) {
					return nil, errBadKeyValue
				}
				r := s[i]
				i++
				if r == '\'' {
					break
				}
				if r == '\\' {
					if i >= len(s) {
						return nil, errBadKeyValue
					}
					r = s[i]
					i++
				}
				val = append(val, r)
			}
		} else {
			for i < len(s) && !unicode.IsSpace(s[i]) {
				r := s[i]
				i++
				if r == '\\' {
					if i >= len(s) {
						return nil, errBadKeyValue
					}
					r = s[i]
					i++
				}
				val = append(val, r)
			}
		}
		pairs = append(pairs, [2]string{key, string(val)})
	}
}

// isSecretKey reports whether a DSN parameter holds a secret: any whose
// name contains "password" (password, sslpassword).
func isSecretKey(key string) bool {
	return strings.Contains(strings.ToLower(key), "password")
}

// redactDSN returns dsn fit to show: every password (in the user info, in
// a parameter whose name contains "pass", in a key=value pair) replaced by
// "xxxxx". A DSN that does not parse is not shown at all, since where its
// password ends cannot be told.
func redactDSN(dsn string) string {
	if !isURL(dsn) {
		pairs, err := parseKeyValue(dsn)
		if err != nil {
			return "<unparseable key=value DSN>"
		}
		parts := make([]string, len(pairs))
		for i, p := range pairs {
			v := p[1]
			if isSecretKey(p[0]) {
				v = "xxxxx"
			}
			parts[i] = p[0] + "=" + quoteValue(v)
		}
		return strings.Join(parts, " ")
	}
	u, err := parseURL(dsn)
	if err != nil {
		return "<unparseable postgres URL>"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for key := range q {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if isSecretKey(key) {
			q.Set(key, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// quoteValue writes a key=value DSN value back: bare when it is a plain
// word, single-quoted otherwise.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == '\'' || r == '\\' }) {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func isURL(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// hasPassword reports whether dsn carries a password (or cannot be parsed
// well enough to tell).
func hasPassword(dsn string) bool {
	if isURL(dsn) {
		u, err := parseURL(dsn)
		if err != nil {
			return true
		}
		if _, ok := u.User.Password(); ok {
			return true
		}
		for key := range u.Query() {
			if isSecretKey(key) {
				return true
			}
		}
		return false
	}
	pairs, err := parseKeyValue(dsn)
	if err != nil {
		return true
	}
	for _, p := range pairs {
		if isSecretKey(p[0]) && p[1] != "" {
			return true
		}
	}
	return false
}

// secrets are the strings of a DSN that must never be shown.
type secrets []string

// dsnSecrets returns every secret a DSN carries, in each form it may be
// echoed back (as written, decoded and re-encoded). For a URL that does
// not parse, the text between the scheme and the last '@' is taken whole,
// and its part after the first ':'.
func dsnSecrets(dsn string) secrets {
	var out secrets
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if !isURL(dsn) {
		pairs, err := parseKeyValue(dsn)
		if err != nil {
			// Unparseable: nothing that follows a password key can be
			// told apart from it, so hide all of it.
			if i := strings.Index(strings.ToLower(dsn), "password"); i >= 0 {
				add(dsn[i:])
			}
			return out
		}
		for _, p := range pairs {
			if isSecretKey(p[0]) {
				add(p[1])
				add(quoteValue(p[1]))
			}
		}
		return out
	}
	rest := dsn[strings.Index(dsn, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			add(pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				add(dec)
				add(url.PathEscape(dec))
				add(url.QueryEscape(dec))
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
			add(url.UserPassword("", pw).String()[1:])
		}
		for key, vals := range u.Query() {
			if isSecretKey(key) {
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
