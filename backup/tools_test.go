package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswordNeverOnTheCommandLine runs a stand-in pg_restore that records
// its arguments and environment: the password is in PGPASSWORD only, and a
// failure's stderr is shown without it.
func TestPasswordNeverOnTheCommandLine(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	record := filepath.Join(bin, "record")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + ".args\nprintf '%s' \"$PGPASSWORD\" > " + record + ".env\n" +
		"echo \"connection to $PGPASSWORD refused\" >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "pg_restore"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := ParseConn("postgres://u:Canary-pw-9@127.0.0.1:1/db")
	if err != nil {
		t.Fatal(err)
	}
	err = Tools{BinDir: bin}.run(context.Background(), c, "pg_restore", "--dbname="+c.ConnString, "x.dump")
	if err == nil || strings.Contains(err.Error(), "Canary-pw-9") || !strings.Contains(err.Error(), "connection to xxxxx refused") {
		t.Errorf("error %v: want the program's stderr with the password hidden", err)
	}
	args, _ := os.ReadFile(record + ".args")
	env, _ := os.ReadFile(record + ".env")
	if strings.Contains(string(args), "Canary-pw-9") || string(env) != "Canary-pw-9" {
		t.Errorf("args %q, PGPASSWORD %q: want the password in the environment only", args, env)
	}
}
