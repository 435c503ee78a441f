package backup

import (
	"slices"
	"testing"
)

func TestParseConn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn, conn, password string
	}{
		{"postgres://u:s3cr%2Ft@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", "s3cr/t"},
		{"postgresql://u@h/db?password=pw&binary_parameters=yes", "postgresql://u@h/db", "pw"},
		{`host=h user=u password='it\'s x' dbname=db`, "host=h user=u dbname=db", "it's x"},
		{"host=h password=plain user=u binary_parameters=yes", "host=h user=u", "plain"},
		{"host=/var/run/postgresql dbname=db", "host=/var/run/postgresql dbname=db", ""},
	} {
		c, err := ParseConn(tc.dsn)
		if err != nil {
			t.Errorf("ParseConn(%q): %v", tc.dsn, err)
			continue
		}
		if c.ConnString != tc.conn || c.Password != tc.password {
			t.Errorf("ParseConn(%q) = %q, %q; want %q, %q", tc.dsn, c.ConnString, c.Password, tc.conn, tc.password)
		}
	}
	env := Conn{Password: "pw"}.env([]string{"PGPASSWORD=old", "HOME=/x"})
	if !slices.Equal(env, []string{"HOME=/x", "PGPASSWORD=pw"}) {
		t.Errorf("env = %v", env)
	}
}
