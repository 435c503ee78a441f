package push

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrBadURL reports a subscriber URL that deliveries may not go to.
var ErrBadURL = errors.New("push: bad subscriber URL")

// CheckURL checks that raw may receive deliveries: an absolute https URL,
// or http to a loopback host (localhost, 127.0.0.0/8, ::1); no user or
// password (the URL is printed by "paidan subscriber list"), no fragment,
// at most 2000 bytes.
func CheckURL(raw string) error {
	if len(raw) > 2000 {
		return fmt.Errorf("%w: longer than 2000 bytes", ErrBadURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	switch {
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: %q is not an absolute URL with a host", ErrBadURL, raw)
	case u.User != nil:
		return fmt.Errorf("%w: credentials in the URL; authenticate deliveries by their signature", ErrBadURL)
	case u.Fragment != "":
		return fmt.Errorf("%w: a fragment is never sent", ErrBadURL)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%w: plain http only to a loopback host (localhost, 127.0.0.1, ::1), not %q; use https", ErrBadURL, u.Hostname())
	}
	return fmt.Errorf("%w: scheme %q; want https", ErrBadURL, u.Scheme)
}

// isLoopback reports whether host names the loopback interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
