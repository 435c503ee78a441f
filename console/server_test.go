package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	"github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// clock is a settable clock for session expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type env struct {
	owner *sqlx.DB // the schema owner, to arrange rows
	srv   *console.Server
	ts    *httptest.Server
	st    *postgres.Store
	f     consoletest.Fixture
	clock *clock
}

func newEnv(t *testing.T, o console.Options) *env {
	t.Helper()
	owner, st, f := consoletest.New(t, 250)
	c := &clock{now: time.Now()}
	o.Store, o.Now, o.Argon2 = st, c.Now, consoletest.Argon2()
	srv, err := console.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{owner: owner, srv: srv, ts: ts, st: st, f: f, clock: c}
}

// client returns an HTTP client that keeps cookies and does not follow
// redirects.
func (e *env) client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs c in as login and fails the test unless it is redirected.
func (e *env) login(t *testing.T, c *http.Client, login, password string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(e.ts.URL+"/login", url.Values{"login": {login}, "password": {password}, "next": {"/partitions"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (e *env) do(t *testing.T, c *http.Client, method, path, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// wantRoles is the access table: every route the server serves and the
// lowest role that may call it. A route added without an entry here fails
// TestEveryRouteByRole.
var wantRoles = map[string]string{
	"GET /healthz":                           "none",
	"GET /readyz":                            "none",
	"GET /static/":                           "none",
	"GET /login":                             "none",
	"POST /login":                            "none",
	"GET /api/v1/openapi.json":               "none",
	"GET /api/v1/workers/{id}/assignments":   "none", // a worker token only: TestWorkerStream
	"POST /logout":                           "viewer",
	"GET /{$}":                               "viewer",
	"GET /runs":                              "viewer",
	"GET /runs/{id}":                         "viewer",
	"GET /runs/{id}/assignments.csv":         "viewer",
	"GET /tasks/{id}":                        "viewer",
	"GET /workers":                           "viewer",
	"GET /partitions":                        "viewer",
	"GET /api/v1/me":                         "viewer",
	"GET /api/v1/runs":                       "viewer",
	"GET /api/v1/runs/{id}":                  "viewer",
	"GET /api/v1/runs/{id}/assignments":      "viewer",
	"GET /api/v1/runs/{id}/assignments.csv":  "viewer",
	"GET /api/v1/runs/{id}/left-out":         "viewer",
	"GET /api/v1/tasks/{id}":                 "viewer",
	"GET /api/v1/workers":                    "viewer",
	"GET /api/v1/partitions":                 "viewer",
	"GET /reports":                           "viewer",
	"GET /reports/{id}/report.html":          "viewer",
	"GET /reports/new":                       "viewer",
	"GET /reports/render":                    "viewer",
	"GET /api/v1/reports":                    "viewer",
	"POST /tasks/{id}/pin":                   "planner",
	"POST /tasks/{id}/unpin":                 "planner",
	"POST /partitions/{name}/pause":          "planner",
	"POST /partitions/{name}/resume":         "planner",
	"PUT /api/v1/tasks/{id}/pin":             "planner",
	"DELETE /api/v1/tasks/{id}/pin":          "planner",
	"PUT /api/v1/partitions/{name}/pause":    "planner",
	"DELETE /api/v1/partitions/{name}/pause": "planner",
	"POST /partitions/{name}/run":            "planner",
	"POST /api/v1/partitions/{name}/runs":    "planner",
	"GET /deliveries/dead":                   "planner",
	"GET /api/v1/deliveries/dead":            "planner",
	"GET /audit":                             "admin",
	"GET /accounts":                          "admin",
	"GET /api/v1/audit":                      "admin",
	"GET /api/v1/accounts":                   "admin",
	"POST /accounts/{login}/role":            "admin",
	"POST /accounts/{login}/disable":         "admin",
	"POST /accounts/{login}/enable":          "admin",
	"POST /tokens/{id}/revoke":               "admin",
	"POST /worker-tokens/{id}/revoke":        "admin",
	"POST /deliveries/dead/{id}/retry":       "admin",
}

// wantServed is the status each route answers a caller it serves: a page
// 200, a form 303 back to its page, the login form with a wrong password
// 401. Anything else (a 404 or 409 included) means the route was not
// served as it should be.
var wantServed = map[string]int{
	"GET /healthz":                           200,
	"GET /readyz":                            200,
	"GET /static/":                           200,
	"GET /login":                             200,
	"POST /login":                            401,
	"GET /api/v1/openapi.json":               200,
	"GET /api/v1/workers/{id}/assignments":   401, // no caller of the matrix holds a worker token
	"POST /logout":                           303,
	"GET /{$}":                               303,
	"GET /runs":                              200,
	"GET /runs/{id}":                         200,
	"GET /runs/{id}/assignments.csv":         200,
	"GET /tasks/{id}":                        200,
	"GET /workers":                           200,
	"GET /partitions":                        200,
	"GET /api/v1/me":                         200,
	"GET /api/v1/runs":                       200,
	"GET /api/v1/runs/{id}":                  200,
	"GET /api/v1/runs/{id}/assignments":      200,
	"GET /api/v1/runs/{id}/assignments.csv":  200,
	"GET /api/v1/runs/{id}/left-out":         200,
	"GET /api/v1/tasks/{id}":                 200,
	"GET /api/v1/workers":                    200,
	"GET /api/v1/partitions":                 200,
	"GET /reports":                           200,
	"GET /reports/{id}/report.html":          200,
	"GET /reports/new":                       200,
	"GET /reports/render":                    200,
	"GET /api/v1/reports":                    200,
	"POST /tasks/{id}/pin":                   303,
	"POST /tasks/{id}/unpin":                 303,
	"POST /partitions/{name}/pause":          303,
	"POST /partitions/{name}/resume":         303,
	"PUT /api/v1/tasks/{id}/pin":             200,
	"DELETE /api/v1/tasks/{id}/pin":          200,
	"PUT /api/v1/partitions/{name}/pause":    200,
	"DELETE /api/v1/partitions/{name}/pause": 200,
	"POST /partitions/{name}/run":            303,
	"POST /api/v1/partitions/{name}/runs":    202,
	"GET /deliveries/dead":                   200,
	"GET /api/v1/deliveries/dead":            200,
	"GET /audit":                             200,
	"GET /accounts":                          200,
	"GET /api/v1/audit":                      200,
	"GET /api/v1/accounts":                   200,
	"POST /accounts/{login}/role":            303,
	"POST /accounts/{login}/disable":         303,
	"POST /accounts/{login}/enable":          303,
	"POST /tokens/{id}/revoke":               303,
	"POST /worker-tokens/{id}/revoke":        303,
	"POST /deliveries/dead/{id}/retry":       303,
}

// TestEveryRouteByRole is the access matrix: every route, called
// anonymously, with a session of each role and with a token of each role,
// is served exactly to the roles at or above its own; below, a page
// redirects to the login form (anonymous) or answers 403, and the API
// answers 401 or 403.
func TestEveryRouteByRole(t *testing.T) {
	t.Parallel()
	reports := t.TempDir()
	e := newEnv(t, console.Options{ReportDir: reports})
	ctx := context.Background()
	reportDir := filepath.Join(reports, "day-2026-12-03")
	if err := os.Mkdir(reportDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(reportDir, "report.html"), []byte("<p>report</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	reportID := e.addReportRun(t, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), reportDir, "done")
	routes := e.srv.Routes()
	served := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		served[key] = true
		if want, ok := wantRoles[key]; !ok {
			t.Errorf("route %s (role %s) is not in the access table", key, rt.Role)
		} else if rt.Role.String() != want {
			t.Errorf("route %s needs role %s, the access table says %s", key, rt.Role, want)
		}
	}
	for key := range wantRoles {
		if !served[key] {
			t.Errorf("the access table names %s, which is not served", key)
		}
	}

	type caller struct {
		name   string
		role   console.Role
		client *http.Client
		header map[string]string
	}
	callers := []caller{{name: "anonymous", client: e.client(t)}}
	for _, rn := range []string{"viewer", "planner", "admin"} {
		role, _ := console.ParseRole(rn)
		c := e.client(t)
		if resp := e.login(t, c, e.f.Accounts[rn], consoletest.Password); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %s: %s", rn, resp.Status)
		}
		callers = append(callers, caller{name: rn + " session", role: role, client: c})
		tok, _, err := console.IssueToken(ctx, e.st, console.Actor{Name: "shell:test"},
			console.NewTokenSpec{Account: e.f.Accounts["admin"], Name: rn, Role: role, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, caller{name: rn + " token", role: role, client: e.client(t),
			header: map[string]string{"Authorization": "Bearer " + tok}})
	}
	// The admin forms act on an account, a token and a worker token of
	// their own, so that the callers' sessions and tokens outlive the
	// matrix.
	if _, err := console.CreateAccount(ctx, e.st, console.Actor{Name: "shell:test"}, console.NewAccount{Login: "zed",
		Role: console.RoleViewer, Password: consoletest.Password}, consoletest.Argon2()); err != nil {
		t.Fatal(err)
	}
	_, spare, err := console.IssueToken(ctx, e.st, console.Actor{Name: "shell:test"},
		console.NewTokenSpec{Account: "zed", Name: "spare", Role: console.RoleViewer, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, spareWorker, err := console.IssueWorkerToken(ctx, e.st, console.Actor{Name: "shell:test"},
		console.NewWorkerTokenSpec{Worker: e.f.Worker, Name: "spare", TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	deadJob := addDeadDelivery(t, e.owner)
	path := func(p string) string {
		p = strings.TrimSuffix(p, "{$}")
		if strings.HasPrefix(p, "/deliveries/dead/") {
			p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(deadJob, 10))
		}
		p = strings.ReplaceAll(p, "{login}", "zed")
		if strings.HasPrefix(p, "/tokens/") {
			p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(spare.ID, 10))
		}
		if strings.HasPrefix(p, "/worker-tokens/") {
			p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(spareWorker.ID, 10))
		}
		if strings.HasPrefix(p, "/reports/") {
			p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(reportID, 10))
		}
		if p == "/reports/render" {
			p += "?from=2026-12-03&to=2026-12-03&period=day"
		}
		if strings.HasPrefix(p, "/tasks/") || strings.HasPrefix(p, "/api/v1/tasks/") {
			p = strings.ReplaceAll(p, "{id}", e.f.LeftOutTask)
		}
		p = strings.ReplaceAll(p, "{id}", e.f.Run)
		p = strings.ReplaceAll(p, "{name}", e.f.Partition)
		if p == "/static/" {
			p = "/static/console.css"
		}
		return p
	}
	body := func(rt console.Route) string {
		switch {
		case rt.Pattern == "/login":
			return "login=nobody&password=wrong-password-x"
		case strings.HasSuffix(rt.Pattern, "/pin") && rt.Method == "POST":
			return "worker=" + e.f.Worker
		case strings.HasSuffix(rt.Pattern, "/pin") && rt.Method == "PUT":
			return `{"worker":"` + e.f.Worker + `"}`
		case strings.HasSuffix(rt.Pattern, "/pause") && rt.Method == "PUT":
			return `{"note":"matrix"}`
		case strings.HasSuffix(rt.Pattern, "/role"):
			return "role=planner"
		}
		return ""
	}
	// reset puts back the state a served call of key changes, so that
	// every caller's call meets the same state and gets the same status.
	reset := func(key string) {
		t.Helper()
		var q string
		var args []any
		switch key {
		case "POST /partitions/{name}/pause", "PUT /api/v1/partitions/{name}/pause":
			q = `DELETE FROM paidan.partition_pause`
		case "POST /partitions/{name}/resume", "DELETE /api/v1/partitions/{name}/pause":
			q, args = `INSERT INTO paidan.partition_pause (partition, paused_by) VALUES ($1, 'shell:test') ON CONFLICT DO NOTHING`, []any{e.f.Partition}
		case "POST /tokens/{id}/revoke":
			q, args = `UPDATE paidan.api_token SET revoked_at = NULL WHERE id = $1`, []any{spare.ID}
		case "POST /worker-tokens/{id}/revoke":
			q, args = `UPDATE paidan.worker_token SET revoked_at = NULL WHERE id = $1`, []any{spareWorker.ID}
		case "POST /deliveries/dead/{id}/retry":
			q, args = `UPDATE paidan_river.river_job SET state = 'discarded', finalized_at = now() WHERE id = $1`, []any{deadJob}
		case "POST /partitions/{name}/run", "POST /api/v1/partitions/{name}/runs":
			q = `DELETE FROM paidan.run_request`
		case "POST /login":
			e.ageLoginFailures(t, time.Hour)
			return
		default:
			return
		}
		if _, err := e.owner.Exec(q, args...); err != nil {
			t.Fatalf("reset for %s: %v", key, err)
		}
	}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		want, ok := wantServed[key]
		if !ok {
			t.Errorf("route %s has no status in wantServed", key)
		}
		for _, c := range callers {
			if rt.Pattern == "/logout" && c.header == nil && c.role != console.RoleNone {
				continue // logging a session out would end it for the rest of the matrix; TestLogout covers it
			}
			allowed := c.role.Allows(rt.Role)
			if allowed {
				reset(key)
			}
			resp, text := e.do(t, c.client, rt.Method, path(rt.Pattern), body(rt), c.header)
			name := key + " as " + c.name
			loc := resp.Header.Get("Location")
			switch {
			case allowed:
				if resp.StatusCode != want || strings.HasPrefix(loc, "/login?") {
					t.Errorf("%s: %s (Location %q), want %d\n%.300s", name, resp.Status, loc, want, text)
				}
			case c.role == console.RoleNone && !rt.API:
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("%s: %s (Location %q), want 303 to the login form", name, resp.Status, loc)
				}
			case c.role == console.RoleNone:
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: %s, want 401", name, resp.Status)
				}
			default:
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s: %s, want 403", name, resp.Status)
				}
			}
		}
	}
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	viewer := e.f.Accounts["viewer"]
	resp := e.login(t, c, viewer, consoletest.Password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partitions" {
		t.Fatalf("login: %s to %q, want 303 to /partitions", resp.Status, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "paidan_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.MaxAge <= 0 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, an expiry", cookie)
	}
	if resp, _ := e.do(t, c, "GET", "/runs", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("runs after login: %s", resp.Status)
	}
	for _, odd := range []string{"\x00\xff\xfe", strings.Repeat("é", 40), "a\r\nb"} {
		if resp := e.login(t, e.client(t), odd, "whatever it is"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("login %q: %s, want 401", odd, resp.Status)
		}
	}
	if resp, _ := e.do(t, c, "POST", "/logout", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", resp.Status)
	}
	// The old cookie value no longer logs in, even sent again by hand.
	stale := e.client(t)
	u, _ := url.Parse(e.ts.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "paidan_session", Value: cookie.Value}})
	if resp, _ := e.do(t, stale, "GET", "/runs", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("runs with a logged-out session: %s, want 303 to the login form", resp.Status)
	}
	entries, err := e.st.Audit(context.Background(), console.AuditFilter{Actor: "account:" + viewer})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
		if en.Address != "127.0.0.1" {
			t.Errorf("audit %s: address %q, want 127.0.0.1", en.Action, en.Address)
		}
	}
	if got := strings.Join(actions, " "); got != "login.logout login.success" {
		t.Errorf("audit of %s: %q, want login.logout login.success", viewer, got)
	}
}

func TestSecureCookiesUnderTLS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{SecureCookies: true})
	resp := e.login(t, e.client(t), e.f.Accounts["viewer"], consoletest.Password)
	cs := resp.Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-paidan_session" || !cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("cookies %+v: want one Secure, HttpOnly __Host-paidan_session", cs)
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{SessionTTL: time.Hour})
	c := e.client(t)
	e.login(t, c, e.f.Accounts["viewer"], consoletest.Password)
	e.clock.Advance(59 * time.Minute)
	if resp, _ := e.do(t, c, "GET", "/api/v1/me", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("59 minutes in: %s, want 200", resp.Status)
	}
	e.clock.Advance(2 * time.Minute)
	if resp, _ := e.do(t, c, "GET", "/api/v1/me", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("61 minutes in, API: %s, want 401", resp.Status)
	}
	if resp, _ := e.do(t, c, "GET", "/runs", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("61 minutes in, page: %s, want 303 to the login form", resp.Status)
	}
}

func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{LoginFailuresPerAccount: 3, LoginFailuresPerAddress: 5})
	c := e.client(t)
	viewer := e.f.Accounts["viewer"]
	for i := range 3 {
		if resp := e.login(t, c, viewer, "not the password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %s, want 401", i+1, resp.Status)
		}
	}
	resp := e.login(t, c, viewer, consoletest.Password)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right password after 3 failures: %s (Retry-After %q), want 429", resp.Status, resp.Header.Get("Retry-After"))
	}
	// Another account still logs in, until the address's limit is reached.
	if resp := e.login(t, c, e.f.Accounts["planner"], consoletest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("other account: %s, want 303", resp.Status)
	}
	for i := range 2 {
		e.login(t, e.client(t), "nobody"+string(rune('a'+i)), "not the password")
	}
	if resp := e.login(t, e.client(t), e.f.Accounts["admin"], consoletest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 5 failures from one address: %s, want 429", resp.Status)
	}
	// The window is the database's clock: move the failures back past it.
	e.ageLoginFailures(t, 16*time.Minute)
	if resp := e.login(t, e.client(t), viewer, consoletest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %s, want 303", resp.Status)
	}
	if n := e.loginFailures(t, "nobodya"); n != 1 {
		t.Errorf("login.failure entries for an unknown login: %d, want 1", n)
	}
}

// ageLoginFailures moves every login.failure entry d into the past (the
// owner lifts the append-only trigger for it).
func (e *env) ageLoginFailures(t *testing.T, d time.Duration) {
	t.Helper()
	tx, err := e.owner.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`ALTER TABLE paidan.audit DISABLE TRIGGER audit_append_only`,
		fmt.Sprintf(`UPDATE paidan.audit SET at = at - interval '%d seconds' WHERE action = 'login.failure'`, int(d.Seconds())),
		`ALTER TABLE paidan.audit ENABLE TRIGGER audit_append_only`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// loginFailures counts the login.failure entries for login.
func (e *env) loginFailures(t *testing.T, login string) int {
	t.Helper()
	var n int
	if err := e.owner.Get(&n, `SELECT count(*) FROM paidan.audit WHERE action = 'login.failure' AND target = $1`, login); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestParallelLoginsCheckAtMostTheLimit: many wrong passwords sent at
// once for one account, or for many logins from one address, get at most
// the limit's password checks (401s and login.failure entries); the rest
// are refused with 429 unchecked.
func TestParallelLoginsCheckAtMostTheLimit(t *testing.T) {
	t.Parallel()
	const perLogin, perAddress, n = 3, 7, 40
	e := newEnv(t, console.Options{LoginFailuresPerAccount: perLogin, LoginFailuresPerAddress: perAddress})
	e.st.DB.SetMaxOpenConns(12) // attempts queue for the pool as they would in production
	burst := func(login func(i int) string) map[int]int {
		t.Helper()
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				resp, err := http.PostForm(e.ts.URL+"/login", url.Values{"login": {login(i)}, "password": {"not the password"}})
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return codes
	}
	viewer := e.f.Accounts["viewer"]
	codes := burst(func(int) string { return viewer })
	if codes[http.StatusUnauthorized] != perLogin || codes[http.StatusTooManyRequests] != n-perLogin {
		t.Errorf("%d parallel wrong passwords for one login: %v, want %d×401 and %d×429", n, codes, perLogin, n-perLogin)
	}
	if got := e.loginFailures(t, viewer); got != perLogin {
		t.Errorf("login.failure entries for %s: %d, want %d", viewer, got, perLogin)
	}
	e.ageLoginFailures(t, time.Hour)
	codes = burst(func(i int) string { return fmt.Sprintf("nobody%02d", i) })
	if codes[http.StatusUnauthorized] != perAddress || codes[http.StatusTooManyRequests] != n-perAddress {
		t.Errorf("%d parallel wrong logins from one address: %v, want %d×401 and %d×429", n, codes, perAddress, n-perAddress)
	}
}

// TestCrossOriginRequestsAreRefused: a state-changing request a browser
// sends from another site is refused with 403 before it changes anything,
// even with a valid session; the same request from the console's own
// pages goes through.
func TestCrossOriginRequestsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	e.login(t, c, e.f.Accounts["planner"], consoletest.Password)
	pin := "/tasks/" + e.f.LeftOutTask + "/pin"
	form := "worker=" + e.f.Worker
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://attacker.example"},
	} {
		if resp, _ := e.do(t, c, "POST", pin, form, h); resp.StatusCode != http.StatusForbidden {
			t.Errorf("pin with %v: %s, want 403", h, resp.Status)
		}
		if resp, _ := e.do(t, c, "POST", "/login", "login=x&password=y", h); resp.StatusCode != http.StatusForbidden {
			t.Errorf("login with %v: %s, want 403", h, resp.Status)
		}
	}
	task, err := e.st.Task(context.Background(), e.f.LeftOutTask)
	if err != nil || task.Task.PinnedWorker != "" {
		t.Fatalf("after refused requests the task is pinned to %q (%v)", task.Task.PinnedWorker, err)
	}
	if resp, _ := e.do(t, c, "POST", pin, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.ts.URL}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin pin: %s, want 303", resp.Status)
	}
	if task, _ := e.st.Task(context.Background(), e.f.LeftOutTask); task.Task.PinnedWorker != e.f.Worker {
		t.Errorf("same-origin pin left the task pinned to %q", task.Task.PinnedWorker)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	tok, _, err := console.IssueToken(context.Background(), e.st, console.Actor{Name: "shell:test"},
		console.NewTokenSpec{Account: e.f.Accounts["planner"], Name: "api", Role: console.RolePlanner, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	get := func(path string, v any) {
		t.Helper()
		resp, body := e.do(t, c, "GET", path, "", auth)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
		}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var runs struct {
		Runs  []console.RunSummary
		Pager struct{ Next string }
	}
	get("/api/v1/runs?status=applied", &runs)
	if len(runs.Runs) != 1 || runs.Runs[0].ID != e.f.Run || runs.Pager.Next != "" {
		t.Errorf("applied runs: %+v", runs)
	}
	var as struct {
		Assignments []console.AssignmentRow
		Pager       struct{ Next string }
	}
	get("/api/v1/runs/"+e.f.Run+"/assignments", &as)
	if len(as.Assignments) != 100 || as.Assignments[99].Task != "t000099" || !strings.Contains(as.Pager.Next, "after=t000099") {
		t.Fatalf("assignments page 1: %d rows, next %q", len(as.Assignments), as.Pager.Next)
	}
	get(as.Pager.Next, &as)
	if len(as.Assignments) != 100 || as.Assignments[0].Task != "t000100" {
		t.Errorf("assignments page 2: %d rows from %v", len(as.Assignments), as.Assignments[:1])
	}
	as.Assignments, as.Pager.Next = nil, ""
	get("/api/v1/runs/"+e.f.Run+"/assignments?after=t000199", &as)
	if len(as.Assignments) != 50 || as.Pager.Next != "" {
		t.Errorf("last page: %d rows, next %q; want 50 and no next page", len(as.Assignments), as.Pager.Next)
	}
	var left struct {
		LeftOut []console.LeftOutRow `json:"left_out"`
	}
	get("/api/v1/runs/"+e.f.Run+"/left-out", &left)
	if len(left.LeftOut) != e.f.LeftOut {
		t.Errorf("left out: %+v", left)
	}
	for path, want := range map[string]int{
		"/api/v1/runs?status=done":                      http.StatusBadRequest,
		"/api/v1/runs?date=yesterday":                   http.StatusBadRequest,
		"/api/v1/runs?page=0":                           http.StatusBadRequest,
		"/api/v1/runs/nope":                             http.StatusNotFound,
		"/api/v1/runs/nope/assignments":                 http.StatusNotFound,
		"/api/v1/tasks/nope":                            http.StatusNotFound,
		"/api/v1/workers?q=" + strings.Repeat("x", 201): http.StatusBadRequest,
	} {
		if resp, body := e.do(t, c, "GET", path, "", auth); resp.StatusCode != want || !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s: %s %s, want %d with an error", path, resp.Status, body, want)
		}
	}
	pin := "/api/v1/tasks/" + e.f.LeftOutTask + "/pin"
	for body, want := range map[string]int{
		`{"worker": "` + e.f.Worker + `", "extra": 1}`: http.StatusBadRequest,
		`{"worker": ""}`:                   http.StatusBadRequest,
		`{"worker": "w01"} {}`:             http.StatusBadRequest,
		`{"worker": "nobody"}`:             http.StatusNotFound,
		`{"worker": "` + e.f.Worker + `"}`: http.StatusOK,
	} {
		if resp, text := e.do(t, c, "PUT", pin, body, auth); resp.StatusCode != want {
			t.Errorf("PUT %s %s: %s %s, want %d", pin, body, resp.Status, text, want)
		}
	}
	if resp, text := e.do(t, c, "PUT", "/api/v1/tasks/"+e.f.Task+"/pin", `{"worker":"w01"}`, auth); resp.StatusCode != http.StatusConflict {
		t.Errorf("pin an assigned task: %s %s, want 409", resp.Status, text)
	}
	if resp, _ := e.do(t, c, "PUT", "/api/v1/partitions/north/pause", strings.Repeat(" ", 70<<10), auth); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("pause with a 70 KiB body: %s, want 413", resp.Status)
	}
	// A viewer-scoped token of a planner account is a viewer.
	vtok, _, err := console.IssueToken(context.Background(), e.st, console.Actor{Name: "shell:test"},
		console.NewTokenSpec{Account: e.f.Accounts["planner"], Name: "ro", Role: console.RoleViewer, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do(t, c, "DELETE", pin, "", map[string]string{"Authorization": "Bearer " + vtok}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unpin with a viewer token: %s, want 403", resp.Status)
	}
	if resp, _ := e.do(t, c, "GET", "/api/v1/me", "", map[string]string{"Authorization": "Bearer pdn_forged"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged token: %s, want 401", resp.Status)
	}
}

// TestAssignmentsCSV streams a run's assignments as CSV.
func TestAssignmentsCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	e.login(t, c, e.f.Accounts["viewer"], consoletest.Password)
	resp, body := e.do(t, c, "GET", "/runs/"+e.f.Run+"/assignments.csv", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %s %v", resp.Status, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != e.f.Assigned+1 || recs[0][0] != "task" || recs[1][0] != "t000000" || recs[1][7] != "2.5" {
		t.Errorf("CSV: %d records, first %v %v; want header + %d, t000000 costing 2.5", len(recs), recs[0], recs[1], e.f.Assigned)
	}
	_, body = e.do(t, c, "GET", "/runs/"+e.f.Run+"/assignments.csv?q=w03", "", nil)
	if n := strings.Count(body, "\n"); n != 26 {
		t.Errorf("CSV of worker w03: %d lines, want header + 25", n)
	}
}

func TestPagesShowWhatARunDecided(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	e.login(t, c, e.f.Accounts["planner"], consoletest.Password)
	for path, wants := range map[string][]string{
		"/runs":                           {e.f.Run, e.f.FailedRun, "no_skill 3", "connection reset"},
		"/runs/" + e.f.Run:                {"t000000", "Download CSV", "no active worker in partition north has skill welding", "east"},
		"/runs/" + e.f.Run + "?q=t000249": {"t000249", "page 1"},
		"/tasks/" + e.f.LeftOutTask:       {"left out", "no_skill", "has skill welding", "Pin to worker"},
		"/tasks/" + e.f.Task:              {"assigned to", "holds it now"},
		"/workers":                        {"w09", "25 / 26"},
		"/partitions":                     {"north", "Pause"},
	} {
		resp, body := e.do(t, c, "GET", path, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: the page does not show %q", path, w)
			}
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: no Content-Security-Policy", path)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	if resp, body := e.do(t, c, "GET", "/readyz", "", nil); resp.StatusCode != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz: %s %q", resp.Status, body)
	}
	e.st.DB.Close()
	resp, body := e.do(t, c, "GET", "/readyz", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "sql") || strings.Contains(body, "closed") {
		t.Errorf("readyz with the database gone: %s %q, want 503 without the raw error", resp.Status, body)
	}
	if resp, _ := e.do(t, c, "GET", "/healthz", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz with the database gone: %s, want 200 (the process is alive)", resp.Status)
	}
}

// TestPublicRoutesNeedNoDatabase: the routes anyone may call do not
// authenticate, so with the database gone they still answer, even to a
// request carrying a session cookie or a token; a route that needs a role
// does fail.
func TestPublicRoutesNeedNoDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	if resp := e.login(t, c, e.f.Accounts["viewer"], consoletest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s", resp.Status)
	}
	tok, _, err := console.IssueToken(context.Background(), e.st, console.Actor{Name: "shell:test"},
		console.NewTokenSpec{Account: e.f.Accounts["viewer"], Name: "t", Role: console.RoleViewer, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.st.DB.Close()
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	for _, path := range []string{"/healthz", "/static/console.css", "/login", "/api/v1/openapi.json"} {
		for _, hdr := range []map[string]string{nil, bearer} {
			if resp, _ := e.do(t, c, "GET", path, "", hdr); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s (token %v) with the database gone: %s, want 200", path, hdr != nil, resp.Status)
			}
		}
	}
	if resp, _ := e.do(t, c, "GET", "/runs", "", nil); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /runs with the database gone: %s, want 500", resp.Status)
	}
}

// TestOpenAPIDescribesTheAPI: the document served at /api/v1/openapi.json
// lists exactly the API's routes, each with the role it needs.
func TestOpenAPIDescribesTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	resp, body := e.do(t, e.client(t), "GET", "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %s", resp.Status)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Role string `json:"x-paidan-role"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]string{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented[strings.ToUpper(m)+" "+p] = op.Role
		}
	}
	var missing []string
	for _, rt := range e.srv.Routes() {
		if !rt.API {
			continue
		}
		key := rt.Method + " " + rt.Pattern
		role, ok := documented[key]
		if !ok {
			missing = append(missing, key)
			continue
		}
		if role != rt.Role.String() {
			t.Errorf("%s: documented role %q, served with %q", key, role, rt.Role)
		}
		delete(documented, key)
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which is not served", key)
	}
	if os.Getenv("PAIDAN_DUMP_OPENAPI") != "" {
		t.Log(body)
	}
}

// TestAdminForms: an admin changes a role, disables and enables an
// account and revokes a token from the accounts page, each audited; an
// admin cannot demote or disable themselves.
func TestAdminForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	ctx := context.Background()
	c := e.client(t)
	admin, viewer := e.f.Accounts["admin"], e.f.Accounts["viewer"]
	e.login(t, c, admin, consoletest.Password)
	vc := e.client(t)
	e.login(t, vc, viewer, consoletest.Password)
	_, tok, err := console.IssueToken(ctx, e.st, console.Actor{Name: "shell:test"},
		console.NewTokenSpec{Account: viewer, Name: "bi", Role: console.RoleViewer, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		path, form string
		want       int
	}{
		{"/accounts/" + viewer + "/role", "role=planner", http.StatusSeeOther},
		{"/accounts/" + viewer + "/role", "role=root", http.StatusBadRequest},
		{"/accounts/" + admin + "/role", "role=viewer", http.StatusBadRequest},
		{"/accounts/" + admin + "/disable", "", http.StatusBadRequest},
		{"/accounts/nobody/disable", "", http.StatusNotFound},
		{"/accounts/" + viewer + "/disable", "", http.StatusSeeOther},
		{"/accounts/" + viewer + "/enable", "", http.StatusSeeOther},
		{"/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke", "", http.StatusSeeOther},
		{"/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke", "", http.StatusConflict},
		{"/tokens/x/revoke", "", http.StatusBadRequest},
	} {
		if resp, body := e.do(t, c, "POST", step.path, step.form, nil); resp.StatusCode != step.want {
			t.Errorf("POST %s %s: %s, want %d\n%.300s", step.path, step.form, resp.Status, step.want, body)
		}
	}
	if resp, _ := e.do(t, vc, "GET", "/runs", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the viewer's session after being disabled: %s, want 303 to the login form", resp.Status)
	}
	entries, err := e.st.Audit(ctx, console.AuditFilter{Actor: "account:" + admin})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		got = append(got, en.Action)
	}
	if want := "token.revoke account.enable account.disable account.set_role login.success"; strings.Join(got, " ") != want {
		t.Errorf("audit of the admin: %q, want %q", strings.Join(got, " "), want)
	}
	_, body := e.do(t, c, "GET", "/accounts", "", nil)
	if !strings.Contains(body, "/accounts/"+viewer+"/disable") || strings.Contains(body, "/accounts/"+admin+"/disable") {
		t.Errorf("the accounts page offers the wrong disable buttons")
	}
}
