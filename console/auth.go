package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// cookieName is the session cookie's name: with the __Host- prefix under
// TLS, so that a browser accepts it only Secure, host-only and for path /.
func (s *Server) cookieName() string {
	if s.o.SecureCookies {
		return "__Host-paidan_session"
	}
	return "paidan_session"
}

func (s *Server) sessionCookie(value string, expires time.Time) *http.Cookie {
	// #nosec G124 -- HttpOnly and SameSite always; Secure whenever the
	// console is served over TLS (directly or behind --secure-cookies).
	c := &http.Cookie{Name: s.cookieName(), Value: value, Path: "/", HttpOnly: true,
		Secure: s.o.SecureCookies, SameSite: http.SameSiteLaxMode}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = 1
		}
	}
	return c
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, "login", http.StatusOK, "Log in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

type loginData struct {
	Next  string
	Login string
	Error string
}

// login checks a login form. Refusals are counted in the audit trail
// (login.failure); after LoginFailuresPerAccount failures for a login, or
// LoginFailuresPerAddress from an address, within LoginWindow, further
// attempts get 429 without a password check. Store.CheckLogin makes the
// count, the check and the record one step per login and per address, so
// that parallel attempts cannot check more passwords than the limit. Every
// refusal says the same, whether the login exists or not, and takes as
// long.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return invalidInput("login form: %v", err)
	}
	login := printable(strings.TrimSpace(r.PostForm.Get("login")), 63)
	pw := r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	addr := clientAddress(r)
	ctx := r.Context()
	attempt := LoginAttempt{Login: login, Address: addr, Window: s.o.LoginWindow,
		PerLogin: s.o.LoginFailuresPerAccount, PerAddress: s.o.LoginFailuresPerAddress}
	select {
	case s.logins <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	acct, err := s.o.Store.CheckLogin(ctx, Actor{Name: "anonymous", Address: addr}, attempt,
		func(acct Account, hash string, found bool) (string, error) {
			return s.checkPassword(ctx, acct, hash, found, pw)
		})
	<-s.logins
	switch {
	case errors.Is(err, ErrLoginRateLimit):
		s.o.Logger.Warn("login refused: rate limit", "login", login, "address", addr)
		w.Header().Set("Retry-After", itoa(int64(s.o.LoginWindow.Seconds())))
		s.render(w, r, "login", http.StatusTooManyRequests, "Log in",
			loginData{Next: next, Login: login, Error: "too many failed logins; try again later"})
		return nil
	case errors.Is(err, ErrInvalidPassword):
		s.render(w, r, "login", http.StatusUnauthorized, "Log in",
			loginData{Next: next, Login: login, Error: "wrong login or password"})
		return nil
	case err != nil:
		return err
	}
	id := newSecret()
	expires := s.o.Now().Add(s.o.SessionTTL)
	by := Principal{Login: acct.Login}.Actor(addr)
	if err := s.o.Store.StartSession(ctx, by, Session{IDHash: HashSecret(id), AccountID: acct.ID, Login: acct.Login,
		ExpiresAt: expires, Address: addr}); err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(id, expires))
	http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through safeNext: a local path only
	return nil
}

// checkPassword says why pw does not log in to acct ("" when it does):
// "unknown" when there is no such account (found false), "disabled",
// "password". An unknown login is checked against a dummy hash, so that
// it takes as long as a known one.
func (s *Server) checkPassword(ctx context.Context, acct Account, hash string, found bool, pw string) (string, error) {
	why := "password"
	switch {
	case !found:
		hash, why = s.dummyHash, "unknown"
	case acct.Disabled:
		why = "disabled"
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	match, err := VerifyPassword(pw, hash)
	<-s.hashing
	if err != nil {
		return "", err
	}
	if !match || why != "password" {
		return why, nil
	}
	return "", nil
}

// logout ends the session and clears its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if c, err := r.Cookie(s.cookieName()); err == nil && p.TokenID == 0 {
		if err := s.o.Store.EndSession(r.Context(), p.Actor(clientAddress(r)), HashSecret(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.sessionCookie("", time.Time{}))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext returns next when it is a path on this server, "/runs"
// otherwise: a login never redirects to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") || strings.HasPrefix(next, "/login") {
		return "/runs"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/runs"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// printable returns s fit for the audit trail and the form: valid UTF-8,
// control characters dropped, at most max bytes (cut at a rune boundary).
func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
