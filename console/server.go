package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPI []byte

// Options configure a Server. The zero value of every field but Store
// works.
type Options struct {
	// Store is the database; required.
	Store Store
	// Logger receives request errors and refused logins; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionTTL is how long a login lasts; zero means 12 hours.
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure and names it with the
	// __Host- prefix; set it when serving over TLS.
	SecureCookies bool
	// LoginFailuresPerAccount and LoginFailuresPerAddress are how many
	// failed logins within LoginWindow refuse further attempts for one
	// login and from one address; zero means 5 and 20. LoginWindow zero
	// means 15 minutes.
	LoginFailuresPerAccount int
	LoginFailuresPerAddress int
	LoginWindow             time.Duration
	// Argon2 are the parameters of the hash that a login for an unknown
	// account is checked against (so that it takes as long as a real
	// one); zero means DefaultArgon2.
	Argon2 Argon2Params
	// Version is shown in the page footer.
	Version string
	// Explain explains a task on its page and in GET /api/v1/tasks/{id}
	// from the latest kept run snapshot that decided about it. Nil means
	// tasks are shown without an explanation.
	Explain ExplainFunc
	// ReportDir is the directory of the scheduled reports (paidan schedule
	// --report-dir): GET /reports/{id}/report.html serves a report's page
	// only when its recorded directory lies inside it. "" serves none.
	ReportDir string
}

// Validate reports whether o can make a Server.
func (o *Options) Validate() error {
	if o.Store == nil {
		return errors.New("console: Options.Store is required")
	}
	if o.SessionTTL < 0 || o.LoginWindow < 0 || o.LoginFailuresPerAccount < 0 || o.LoginFailuresPerAddress < 0 {
		return errors.New("console: Options durations and limits must not be negative")
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.LoginFailuresPerAccount == 0 {
		o.LoginFailuresPerAccount = 5
	}
	if o.LoginFailuresPerAddress == 0 {
		o.LoginFailuresPerAddress = 20
	}
	if o.LoginWindow == 0 {
		o.LoginWindow = 15 * time.Minute
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2()
	}
}

// Route is one endpoint: its method and net/http pattern, the lowest role
// that may call it (RoleNone: anyone), and whether it is part of the JSON
// API (which answers 401 where a page redirects to the login form).
type Route struct {
	Method  string
	Pattern string
	Role    Role
	API     bool
	h       handlerFunc
}

// handlerFunc serves a request; an error it returns becomes the response
// (see Server.fail).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Server is the console and the JSON API. It is safe for concurrent use.
type Server struct {
	o         Options
	routes    []Route
	pages     map[string]*template.Template
	handler   http.Handler
	dummyHash string
	// hashing bounds concurrent password checks: each argon2id call
	// holds Argon2.MemoryKiB of memory.
	hashing chan struct{}
	// logins bounds concurrent login checks: each holds a database
	// connection, under its locks, for as long as it waits and hashes, so
	// a burst of logins waits here instead of taking every connection.
	logins chan struct{}
	// rendering holds the one report rendered on demand at a time.
	rendering chan struct{}
}

// New returns a Server over o.Store.
func New(o Options) (*Server, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	s := &Server{o: o, hashing: make(chan struct{}, 4), logins: make(chan struct{}, 8), rendering: make(chan struct{}, 1)}
	var err error
	if s.dummyHash, err = HashPassword(GeneratePassword(), o.Argon2); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	s.handler = http.NewCrossOriginProtection().Handler(securityHeaders(mux))
	return s, nil
}

// Handler returns the server's root handler: every route behind
// cross-origin protection (a state-changing request from another origin is
// refused with 403) and security headers.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns every route the server serves.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	copy(out, s.routes)
	for i := range out {
		out[i].h = nil
	}
	return out
}

// routeTable lists every endpoint with the role it needs. The pages and
// the API share the loaders in data.go.
func (s *Server) routeTable() []Route {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return []Route{
		{Method: "GET", Pattern: "/healthz", h: s.healthz},
		{Method: "GET", Pattern: "/readyz", h: s.readyz},
		{Method: "GET", Pattern: "/static/", h: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			files.ServeHTTP(w, r)
			return nil
		}},
		{Method: "GET", Pattern: "/login", h: s.loginForm},
		{Method: "POST", Pattern: "/login", h: s.login},
		{Method: "POST", Pattern: "/logout", Role: RoleViewer, h: s.logout},

		{Method: "GET", Pattern: "/{$}", Role: RoleViewer, h: func(w http.ResponseWriter, r *http.Request) error {
			http.Redirect(w, r, "/runs", http.StatusSeeOther)
			return nil
		}},
		{Method: "GET", Pattern: "/runs", Role: RoleViewer, h: s.runsPage},
		{Method: "GET", Pattern: "/runs/{id}", Role: RoleViewer, h: s.runPage},
		{Method: "GET", Pattern: "/runs/{id}/assignments.csv", Role: RoleViewer, h: s.assignmentsCSV},
		{Method: "GET", Pattern: "/tasks/{id}", Role: RoleViewer, h: s.taskPage},
		{Method: "POST", Pattern: "/tasks/{id}/pin", Role: RolePlanner, h: s.pinForm},
		{Method: "POST", Pattern: "/tasks/{id}/unpin", Role: RolePlanner, h: s.unpinForm},
		{Method: "GET", Pattern: "/workers", Role: RoleViewer, h: s.workersPage},
		{Method: "GET", Pattern: "/partitions", Role: RoleViewer, h: s.partitionsPage},
		{Method: "POST", Pattern: "/partitions/{name}/pause", Role: RolePlanner, h: s.pauseForm},
		{Method: "POST", Pattern: "/partitions/{name}/resume", Role: RolePlanner, h: s.resumeForm},
		{Method: "POST", Pattern: "/partitions/{name}/run", Role: RolePlanner, h: s.runNowForm},
		{Method: "GET", Pattern: "/reports", Role: RoleViewer, h: s.reportsPage},
		{Method: "GET", Pattern: "/reports/{id}/report.html", Role: RoleViewer, h: s.reportFile},
		{Method: "GET", Pattern: "/reports/new", Role: RoleViewer, h: s.newReportPage},
		{Method: "GET", Pattern: "/reports/render", Role: RoleViewer, h: s.renderReport},
		{Method: "GET", Pattern: "/audit", Role: RoleAdmin, h: s.auditPage},
		{Method: "GET", Pattern: "/accounts", Role: RoleAdmin, h: s.accountsPage},
		{Method: "GET", Pattern: "/deliveries/dead", Role: RolePlanner, h: s.deadDeliveriesPage},
		{Method: "POST", Pattern: "/accounts/{login}/role", Role: RoleAdmin, h: s.setRoleForm},
		{Method: "POST", Pattern: "/accounts/{login}/disable", Role: RoleAdmin, h: s.disableForm(true)},
		{Method: "POST", Pattern: "/accounts/{login}/enable", Role: RoleAdmin, h: s.disableForm(false)},
		{Method: "POST", Pattern: "/tokens/{id}/revoke", Role: RoleAdmin, h: s.revokeForm},
		{Method: "POST", Pattern: "/worker-tokens/{id}/revoke", Role: RoleAdmin, h: s.revokeWorkerTokenForm},
		{Method: "POST", Pattern: "/deliveries/dead/{id}/retry", Role: RoleAdmin, h: s.retryDeliveryForm},

		{Method: "GET", Pattern: "/api/v1/openapi.json", API: true, h: func(w http.ResponseWriter, _ *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write(openAPI)
			return err
		}},
		{Method: "GET", Pattern: "/api/v1/me", Role: RoleViewer, API: true, h: s.apiMe},
		{Method: "GET", Pattern: "/api/v1/runs", Role: RoleViewer, API: true, h: s.apiRuns},
		{Method: "GET", Pattern: "/api/v1/runs/{id}", Role: RoleViewer, API: true, h: s.apiRun},
		{Method: "GET", Pattern: "/api/v1/runs/{id}/assignments", Role: RoleViewer, API: true, h: s.apiAssignments},
		{Method: "GET", Pattern: "/api/v1/runs/{id}/assignments.csv", Role: RoleViewer, API: true, h: s.assignmentsCSV},
		{Method: "GET", Pattern: "/api/v1/runs/{id}/left-out", Role: RoleViewer, API: true, h: s.apiLeftOut},
		{Method: "GET", Pattern: "/api/v1/tasks/{id}", Role: RoleViewer, API: true, h: s.apiTask},
		{Method: "PUT", Pattern: "/api/v1/tasks/{id}/pin", Role: RolePlanner, API: true, h: s.apiPin},
		{Method: "DELETE", Pattern: "/api/v1/tasks/{id}/pin", Role: RolePlanner, API: true, h: s.apiUnpin},
		{Method: "GET", Pattern: "/api/v1/workers", Role: RoleViewer, API: true, h: s.apiWorkers},
		{Method: "GET", Pattern: "/api/v1/partitions", Role: RoleViewer, API: true, h: s.apiPartitions},
		{Method: "PUT", Pattern: "/api/v1/partitions/{name}/pause", Role: RolePlanner, API: true, h: s.apiPause},
		{Method: "DELETE", Pattern: "/api/v1/partitions/{name}/pause", Role: RolePlanner, API: true, h: s.apiResume},
		{Method: "POST", Pattern: "/api/v1/partitions/{name}/runs", Role: RolePlanner, API: true, h: s.apiRunNow},
		{Method: "GET", Pattern: "/api/v1/reports", Role: RoleViewer, API: true, h: s.apiReports},
		{Method: "GET", Pattern: "/api/v1/audit", Role: RoleAdmin, API: true, h: s.apiAudit},
		{Method: "GET", Pattern: "/api/v1/accounts", Role: RoleAdmin, API: true, h: s.apiAccounts},
		{Method: "GET", Pattern: "/api/v1/deliveries/dead", Role: RolePlanner, API: true, h: s.apiDeadDeliveries},
		// A worker's stream authenticates its own worker token (no role).
		{Method: "GET", Pattern: "/api/v1/workers/{id}/assignments", API: true, h: s.apiWorkerStream},
	}
}

type principalKey struct{}

// principalOf returns the principal guard put on r's context.
func principalOf(r *http.Request) Principal {
	p, _ := r.Context().Value(principalKey{}).(Principal)
	return p
}

// guard authenticates the request when the route needs a role (only
// then: /healthz, /static/ and the login form cost no query and answer
// while the database is down), refuses it (401 or a redirect to the login
// form; 403 for a role too low), and otherwise runs the route's handler.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p Principal
		if rt.Role != RoleNone {
			var err error
			if p, err = s.authenticate(r); err != nil {
				s.fail(w, r, rt.API, err)
				return
			}
			if p.Role == RoleNone {
				if rt.API {
					w.Header().Set("WWW-Authenticate", `Bearer realm="paidan"`)
					s.fail(w, r, true, errUnauthenticated)
					return
				}
				// Back to the page after logging in; a form's POST
				// cannot be replayed, so it returns to the runs.
				next := "/runs"
				if r.Method == http.MethodGet {
					next = r.URL.RequestURI()
				}
				http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther) // #nosec G710 -- a local path; the login page passes next through safeNext
				return
			}
			if !p.Role.Allows(rt.Role) {
				s.fail(w, r, rt.API, fmt.Errorf("%w: %s needs the %s role; you have %s", errForbidden, rt.Pattern, rt.Role, p.Role))
				return
			}
			w.Header().Set("Cache-Control", "no-store")
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := rt.h(w, r); err != nil {
			s.fail(w, r, rt.API, err)
		}
	})
}

// maxBody bounds request bodies: forms and JSON here are small.
const maxBody = 64 << 10

var (
	errUnauthenticated = errors.New("console: log in, or send an API token as 'Authorization: Bearer pdn_…'")
	errForbidden       = errors.New("console: forbidden")
)

// authenticate returns the principal of r's bearer token or session
// cookie; the zero Principal when it has neither or they are not valid.
func (s *Server) authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	now := s.o.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := cutPrefixFold(h, "Bearer ")
		if !ok || !looksLikeToken(tok) {
			return Principal{}, nil
		}
		p, err := s.o.Store.TokenPrincipal(ctx, HashSecret(tok), now)
		if errors.Is(err, ErrNotFound) {
			return Principal{}, nil
		}
		return p, err
	}
	c, err := r.Cookie(s.cookieName())
	if err != nil || len(c.Value) != 43 {
		return Principal{}, nil
	}
	p, err := s.o.Store.SessionPrincipal(ctx, HashSecret(c.Value), now)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, nil
	}
	return p, err
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// httpStatus maps an error to its response status.
func httpStatus(err error) int {
	var maxErr *http.MaxBytesError
	switch {
	case errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrConflict), errors.Is(err, ErrExists):
		return http.StatusConflict
	case errors.Is(err, ErrInvalidInput), errors.Is(err, ErrInvalidRole), errors.Is(err, ErrWeakPassword):
		return http.StatusBadRequest
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrLoginRateLimit):
		return http.StatusTooManyRequests
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail writes err as the response: its message for the statuses a client
// can act on, a generic sentence (and a log line) for server errors, whose
// text may hold database details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, api bool, err error) {
	code := httpStatus(err)
	msg := err.Error()
	if code == http.StatusInternalServerError {
		s.o.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error; the server log has the details"
	}
	if errors.Is(r.Context().Err(), context.Canceled) {
		return
	}
	if api {
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	s.render(w, r, "error", code, "Error", map[string]any{"Status": code, "StatusText": http.StatusText(code), "Message": msg})
}

// writeJSON writes v as the JSON response with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.ServeHTTP(w, r)
	})
}

// clientAddress is the IP address of r's peer.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	_, err := io.WriteString(w, "ok\n")
	return err
}

// readyz answers 200 when the database answers within two seconds, 503
// otherwise; the cause goes to the log, never to the client.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.o.Store.Ping(ctx); err != nil {
		s.o.Logger.Warn("not ready", "err", err)
		http.Error(w, "not ready: database unavailable", http.StatusServiceUnavailable)
		return nil
	}
	_, err := io.WriteString(w, "ready\n")
	return err
}
