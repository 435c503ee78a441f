package backup

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Conn says how the PostgreSQL client programs reach a database: a libpq
// connection string without the password, and the password, passed to
// them as PGPASSWORD in their environment so that it never shows in a
// process list.
type Conn struct {
	ConnString string // libpq URL or key=value string, no password
	Password   string // "" when the DSN has none (libpq then uses ~/.pgpass or trust)
}

// libpqOnly are lib/pq parameters that libpq's programs do not know.
var libpqOnly = map[string]bool{
	"binary_parameters": true, "disable_prepared_binary_result": true,
}

var kvPassword = regexp.MustCompile(`(?i)(^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// ParseConn splits a lib/pq DSN (postgres:// URL or key=value) into a
// connection string for libpq's programs and the password.
func ParseConn(dsn string) (Conn, error) {
	lower := strings.ToLower(dsn)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return Conn{}, fmt.Errorf("backup: the database URL does not parse")
		}
		var c Conn
		if pw, ok := u.User.Password(); ok {
			c.Password = pw
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if pw := q.Get("password"); pw != "" {
			c.Password = pw
		}
		q.Del("password")
		for k := range libpqOnly {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
		c.ConnString = u.String()
		return c, nil
	}
	var c Conn
	if m := kvPassword.FindStringSubmatch(dsn); m != nil {
		v := m[2]
		if len(v) >= 2 && v[0] == '\'' {
			v = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v[1 : len(v)-1])
		}
		c.Password = v
	}
	rest := kvPassword.ReplaceAllString(dsn, "$1")
	var kept []string
	for _, f := range strings.Fields(rest) {
		k, _, _ := strings.Cut(f, "=")
		if !libpqOnly[strings.TrimSpace(k)] {
			kept = append(kept, f)
		}
	}
	c.ConnString = strings.Join(kept, " ")
	return c, nil
}

// env returns the environment for a client program: the process's own,
// with PGPASSWORD set when the DSN had a password.
func (c Conn) env(base []string) []string {
	out := make([]string, 0, len(base)+1)
	for _, kv := range base {
		if !strings.HasPrefix(kv, "PGPASSWORD=") {
			out = append(out, kv)
		}
	}
	if c.Password != "" {
		out = append(out, "PGPASSWORD="+c.Password)
	}
	return out
}
