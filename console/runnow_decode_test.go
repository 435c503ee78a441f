package console

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeRunNow: decoding never panics; an error wraps ErrInvalidInput,
// and an accepted note is at most 2000 bytes of UTF-8 without NUL.
func FuzzDecodeRunNow(f *testing.F) {
	for _, s := range []string{``, ` `, `{}`, `{"note":"backlog"}`, `{"note":1}`, `{"note":"x","y":2}`, `{}{}`,
		`{"note":"` + strings.Repeat("n", 2001) + `"}`, `{"note":"\u0000"}`, "{\"note\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRunNow(bytes.NewReader(body))
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
