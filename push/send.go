package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// StatusError is a delivery a subscriber answered with a status other
// than 2xx.
type StatusError struct {
	Code int
	Body string // the first 200 bytes of the answer
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("push: subscriber answered %d %s: %q", e.Code, http.StatusText(e.Code), e.Body)
}

// errRedirect refuses redirects: a signed delivery goes to the URL an
// administrator configured and nowhere else.
var errRedirect = errors.New("push: the subscriber answered with a redirect, which is not followed")

// Sender posts signed deliveries. The zero Sender works.
type Sender struct {
	// Client sends the requests; nil means a client with a 30-second
	// timeout. Its redirect policy is replaced: redirects are never
	// followed.
	Client *http.Client
	// Now is the clock of the timestamp; nil means time.Now.
	Now func() time.Time
}

// Send posts body to url with the delivery headers, signed with secret
// under key. It returns nil on a 2xx answer, a *StatusError on another
// answer, and the transport's error when there is none. It checks url
// with CheckURL first.
func (s *Sender) Send(ctx context.Context, url string, secret []byte, key string, body []byte) error {
	if err := CheckURL(url); err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "paidan-push/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	req.Header.Set(HeaderIdempotency, key)
	client := http.Client{Timeout: 30 * time.Second}
	if s.Client != nil {
		client = *s.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &StatusError{Code: resp.StatusCode, Body: string(head)}
	}
	return nil
}
