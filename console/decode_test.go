package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paidan/paidan/internal/pgschema"
)

// FuzzDecodePin: decoding never panics; what it accepts is a worker id a
// pin can store, and encoding it again decodes to the same request.
func FuzzDecodePin(f *testing.F) {
	for _, s := range []string{`{"worker":"w1"}`, `{"worker":""}`, `{}`, `{"worker":"w1","x":1}`, `{"worker":"w1"}{}`,
		`[]`, `null`, `{"worker":"\u0000"}`, `{"worker":"` + strings.Repeat("x", 201) + `"}`, "{\"worker\":\"\xff\"}", ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePin(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		if req.Worker == "" || len(req.Worker) > 200 || !utf8.ValidString(req.Worker) {
			t.Fatalf("accepted worker %q", req.Worker)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodePin(bytes.NewReader(again))
		if err != nil || back != req {
			t.Fatalf("round trip of %q: %+v, %v", again, back, err)
		}
	})
}

// FuzzDecodePause: never panics; an accepted note is storable.
func FuzzDecodePause(f *testing.F) {
	for _, s := range []string{``, `  `, `{"note":"count"}`, `{"note":1}`, `{"note":"` + strings.Repeat("n", 2001) + `"}`, `{"note":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePause(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		if len(req.Note) > 2000 || !utf8.ValidString(req.Note) || strings.ContainsRune(req.Note, 0) {
			t.Fatalf("accepted note of %d bytes", len(req.Note))
		}
	})
}

// FuzzParseRunFilter: any query string either gives a filter within
// bounds or an error naming the parameter.
func FuzzParseRunFilter(f *testing.F) {
	for _, s := range []string{"", "partition=north&status=applied&date=2026-12-03&page=2", "status=done", "page=-1",
		"page=99999999999999999999", "date=2026-02-30", "partition=%00", "partition=%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		rf, err := parseRunFilter(q)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		if rf.Offset < 0 || rf.Offset > maxPage*runsPerPage || rf.Limit != runsPerPage || len(rf.Partition) > 200 || !utf8.ValidString(rf.Partition) {
			t.Fatalf("filter out of bounds: %+v", rf)
		}
		if rf.Status != "" && !strings.Contains("running applied failed skipped", rf.Status) {
			t.Fatalf("status %q accepted", rf.Status)
		}
	})
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "/runs",
		"/tasks/t1":              "/tasks/t1",
		"/runs?partition=north":  "/runs?partition=north",
		"//evil.example/":        "/runs",
		"/\\evil.example":        "/runs",
		"https://evil.example/":  "/runs",
		"/login?next=/x":         "/runs",
		"/runs\r\nSet-Cookie: x": "/runs",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	p := Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}
	h, err := HashPassword("correct horse battery staple", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := HashPassword("correct horse battery staple", p)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		if ok, err := VerifyPassword(pw, h); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5"} {
		if ok, err := VerifyPassword("x", bad); ok || err == nil {
			t.Errorf("VerifyPassword against %q = %v, %v; want an error", bad, ok, err)
		}
	}
	if err := CheckPassword("short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("CheckPassword(short) = %v", err)
	}
	if a, b := GeneratePassword(), GeneratePassword(); a == b || CheckPassword(a) != nil {
		t.Errorf("GeneratePassword: %q, %q", a, b)
	}
}

func TestLoginPatternMatchesTheSchema(t *testing.T) {
	t.Parallel()
	sql, err := fs.ReadFile(pgschema.Migrations(), "00015_console.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := "CHECK (login ~ '" + loginPattern.String() + "')"
	if !strings.Contains(string(sql), want) {
		t.Errorf("the schema's CHECK on paidan.account.login is not %s", want)
	}
}
