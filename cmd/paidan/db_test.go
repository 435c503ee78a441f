package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// canaryPasswords are passwords with every character that once leaked a
// part of itself through a parse error (an unescaped '#', '/' or '?' in a
// URL made "invalid port" quote what came before it), or could: '@',
// spaces, quotes, backslashes, '%', unicode.
var canaryPasswords = []string{
	"Canary-plain-7f3a",
	"can/ary#S3c?ret",
	"cana@ry@S3cret",
	"canary with spaces",
	"canary'quote\\back",
	"canary%zz%41",
	"Каnаrу-密码-🔑",
	"canary:colon=eq&amp",
}

// dsnForms returns the DSNs carrying pw that a person might write: URL
// user info escaped and as typed, a query parameter, and key=value, quoted
// and bare; all pointing at a port where nothing listens.
func dsnForms(pw string) map[string]string {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw)
	return map[string]string{
		"url escaped":  "postgres://paidan:" + url.UserPassword("", pw).String()[1:] + "@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2",
		"url as typed": "postgres://paidan:" + pw + "@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2",
		"url query":    "postgres://paidan@127.0.0.1:1/paidan?sslmode=disable&connect_timeout=2&password=" + url.QueryEscape(pw),
		"kv quoted":    "host=127.0.0.1 port=1 user=paidan password='" + q + "' dbname=paidan sslmode=disable connect_timeout=2",
		"kv bare":      "host=127.0.0.1 port=1 user=paidan password=" + pw + " dbname=paidan sslmode=disable connect_timeout=2",
		"bad sslmode":  "postgres://paidan:" + url.UserPassword("", pw).String()[1:] + "@127.0.0.1:1/paidan?sslmode=nonsense",
	}
}

// leaked returns a piece of pw (four characters or the whole of a shorter
// one) that appears in out but not in the innocent text, or "".
func leaked(pw, out, innocent string) string {
	r := []rune(pw)
	n := min(4, len(r))
	for i := 0; i+n <= len(r); i++ {
		piece := string(r[i : i+n])
		if strings.Contains(out, piece) && !strings.Contains(innocent, piece) {
			return piece
		}
	}
	return ""
}

// TestPasswordNeverShown drives connection failures with each canary
// password in each DSN form, through --db, $PAIDAN_DATABASE_URL and
// --db-file, and checks that no four characters of it appear anywhere in
// the output that do not appear there with an innocent password.
func TestPasswordNeverShown(t *testing.T) {
	t.Parallel()
	innocentOut := map[string]string{}
	for form, dsn := range dsnForms("x") {
		out, stderr, _ := runCLI(t, "migrate", "status", "--db", dsn)
		innocentOut[form] = out + stderr + errBadURL.Error() + errAmbiguousURL.Error() + errBadKeyValue.Error()
	}
	for _, pw := range canaryPasswords {
		for form, dsn := range dsnForms(pw) {
			t.Run(form+"/"+pw, func(t *testing.T) {
				t.Parallel()
				out, stderr, code := runCLI(t, "migrate", "status", "--db", dsn)
				if code != exitError {
					t.Errorf("code %d, want %d (stderr %q)", code, exitError, stderr)
				}
				if p := leaked(pw, out+stderr, innocentOut[form]); p != "" {
					t.Errorf("%q of the password leaked: stdout %q stderr %q", p, out, stderr)
				}
				if !strings.Contains(stderr, "warning: the password in --db") {
					t.Errorf("stderr %q: want the warning about a password in --db", stderr)
				}
			})
		}
	}
}

// TestPasswordFromFileOrEnvironment checks that a DSN from $PAIDAN_DATABASE_URL or
// --db-file is used, hidden like one from --db, and draws no warning
// about the command line; a group-readable --db-file draws one about its
// mode.
func TestPasswordFromFileOrEnvironment(t *testing.T) {
	const pw = "can/ary#S3c ret"
	dsn := dsnForms(pw)["url escaped"]
	t.Setenv(envDatabaseURL, dsn)
	out, stderr, code := runCLI(t, "migrate", "status")
	if code != exitError || strings.Contains(out+stderr, "S3c") || strings.Contains(stderr, "warning") {
		t.Errorf("from $%s: exit %d, stderr %q; want exit 1, no password, no warning", envDatabaseURL, code, stderr)
	}
	if !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("from $%s: stderr %q does not name the server", envDatabaseURL, stderr)
	}
	t.Setenv(envDatabaseURL, "")

	dir := t.TempDir()
	private := filepath.Join(dir, "dsn")
	if err := os.WriteFile(private, []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, "migrate", "status", "--db-file", private)
	if code != exitError || strings.Contains(out+stderr, "S3c") || strings.Contains(stderr, "warning") {
		t.Errorf("--db-file 0600: exit %d, stderr %q; want exit 1, no password, no warning", code, stderr)
	}
	open := filepath.Join(dir, "dsn-open")
	if err := os.WriteFile(open, []byte(dsn), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, _ = runCLI(t, "migrate", "status", "--db-file", open)
	if !strings.Contains(stderr, "readable by group or others") || strings.Contains(stderr, "S3c") {
		t.Errorf("--db-file 0644: stderr %q; want a warning about the file mode, no password", stderr)
	}
	_, stderr, code = runCLI(t, "migrate", "status", "--db-file", private, "--db", "postgres://x@127.0.0.1:1/x")
	if code != exitUsage {
		t.Errorf("--db and --db-file: exit %d, stderr %q; want a usage error", code, stderr)
	}
	_, stderr, code = runCLI(t, "migrate", "status", "--db-file", filepath.Join(dir, "missing"))
	if code != exitUsage || !strings.Contains(stderr, "missing") {
		t.Errorf("--db-file of a missing file: exit %d, stderr %q; want a usage error naming it", code, stderr)
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h/db?sslmode=disable", "postgres://u:xxxxx@h/db?sslmode=disable"},
		{"postgres://u@h/db?password=pw&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"postgresql://u:p/w@h/db", "<unparseable postgres URL>"},
		{"postgresql://u:p#w@h/db", "<unparseable postgres URL>"},
		{"postgresql://u:p?w@h/db", "<unparseable postgres URL>"},
		{"postgresql://u:p w@h/db", "<unparseable postgres URL>"},
		{"postgresql://u:p@w@h/db", "postgresql://u:xxxxx@h/db"},
		{"host=h password='a b' user=u", "host=h password=xxxxx user=u"},
		{"host=h password=a b user=u", "<unparseable key=value DSN>"},
		{"host=h sslpassword=k user=u", "host=h sslpassword=xxxxx user=u"},
		{"host=h user=u", "host=h user=u"},
		{"host='h 1' user=u", "host='h 1' user=u"},
	}
	for _, tt := range tests {
		if got := redactDSN(tt.in); got != tt.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDSNPassword puts any password into each DSN form and checks that
// neither the redacted DSN nor the error of parsing it shows a piece of
// the password that an innocent password's output does not show too.
func FuzzDSNPassword(f *testing.F) {
	for _, pw := range canaryPasswords {
		f.Add(pw)
	}
	innocent := map[string]string{}
	for form, dsn := range dsnForms("x") {
		innocent[form] = parseOutput(dsn) + errBadURL.Error() + errAmbiguousURL.Error() + errBadKeyValue.Error()
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if !utf8.ValidString(pw) || strings.ContainsRune(pw, 0) {
			return
		}
		for form, dsn := range dsnForms(pw) {
			if p := leaked(pw, parseOutput(dsn), innocent[form]); p != "" {
				t.Errorf("%s: %q of password %q leaked: %q", form, p, pw, parseOutput(dsn))
			}
		}
	})
}

// parseOutput is everything the CLI may show of dsn without connecting:
// its redacted form and the error of parsing it.
func parseOutput(dsn string) string {
	out := redactDSN(dsn)
	if _, err := parseDSN(dsn); err != nil {
		out += "\n" + err.Error()
	}
	return out
}
