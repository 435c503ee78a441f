package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderTimestamp   = "Paidan-Timestamp"
	HeaderSignature   = "Paidan-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// MinSecretLen is the shortest secret a subscriber may have, in bytes.
const MinSecretLen = 16

// Errors of Verify.
var (
	// ErrSignature: the signature header is missing, malformed or does not
	// match the body and timestamp.
	ErrSignature = errors.New("push: bad signature")
	// ErrStale: the timestamp is further from now than the tolerance (a
	// replayed or badly delayed request).
	ErrStale = errors.New("push: stale timestamp")
)

// Sign returns the Paidan-Signature header value of body sent at the Unix
// time ts: "sha256=" and the hex HMAC-SHA256, under secret, of the decimal
// timestamp, a dot and the body.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's headers against its body: the signature must
// match under secret (compared in constant time) and the timestamp must be
// within tolerance of now. It returns an error wrapping ErrSignature or
// ErrStale.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s header %q is not a Unix time", ErrSignature, HeaderTimestamp, h.Get(HeaderTimestamp))
	}
	got := h.Get(HeaderSignature)
	if !strings.HasPrefix(got, "sha256=") || !hmac.Equal([]byte(got), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("%w: %s does not match the body", ErrSignature, HeaderSignature)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: sent %s from now, tolerance %s", ErrStale, d.Round(time.Second), tolerance)
	}
	return nil
}
