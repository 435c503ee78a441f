package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
)

// tableRow returns the row of HTML table id (as the server rendered it
// in page) whose first cell is the number n, or "".
func tableRow(page, id string, n int64) string {
	_, table, ok := strings.Cut(page, `<table id="`+id+`">`)
	if !ok {
		return ""
	}
	table, _, _ = strings.Cut(table, "</table>")
	for _, row := range strings.Split(table, "<tr") {
		if strings.Contains(row, `<td class="num">`+strconv.FormatInt(n, 10)+`</td>`) {
			return row
		}
	}
	return ""
}

// TestWorkerTokensOnTheAccountsPage: an admin sees every worker token on
// the accounts page and in GET /api/v1/accounts with its state (valid,
// expired, revoked; a Revoke button for the valid one only), and revokes
// the valid one with the page's form: the revocation is audited with the
// admin as actor, the token's open stream ends with a revoked event and a
// new one is refused, and revoking it again is 409. Planners and viewers
// get 403 and change nothing.
func TestWorkerTokensOnTheAccountsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	ctx := context.Background()
	shell := console.Actor{Name: "shell:test"}
	issue := func(name string, ttl time.Duration) (string, console.WorkerToken) {
		t.Helper()
		tok, wt, err := console.IssueWorkerToken(ctx, e.st, shell,
			console.NewWorkerTokenSpec{Worker: e.f.Worker, Name: name, TTL: ttl}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok, wt
	}
	tok, valid := issue("van app", time.Hour)
	_, expired := issue("old app", time.Minute)
	_, revoked := issue("lost phone", time.Hour)
	if _, err := e.st.RevokeWorkerToken(ctx, shell, revoked.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute) // the server's clock: "old app" has expired
	admin := e.f.Accounts["admin"]
	ac := e.client(t)
	if resp := e.login(t, ac, admin, consoletest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %s", admin, resp.Status)
	}
	apiTok, _, err := console.IssueToken(ctx, e.st, shell,
		console.NewTokenSpec{Account: admin, Name: "admin", Role: console.RoleAdmin, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	adminAPI := map[string]string{"Authorization": "Bearer " + apiTok}
	revokePath := func(id int64) string { return "/worker-tokens/" + strconv.FormatInt(id, 10) + "/revoke" }
	streamPath := "/api/v1/workers/" + e.f.Worker + "/assignments?heartbeat=1s"

	// listed is a worker token and the state it should be listed in.
	type listed struct {
		wt    console.WorkerToken
		state console.WorkerTokenState
	}
	// checkListed checks the page's and the API's worker tokens against
	// want.
	checkListed := func(when string, want []listed) {
		t.Helper()
		resp, page := e.do(t, ac, "GET", "/accounts", "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /accounts: %s", when, resp.Status)
		}
		for _, w := range want {
			wt, state := w.wt, w.state
			row := tableRow(page, "worker-tokens", wt.ID)
			for _, cell := range []string{"<td>" + e.f.Worker + "</td>", "<td>" + wt.Name + "</td>",
				"<code>" + wt.Prefix + "…</code>", "<td>shell:test</td>", "<td>" + string(state)} {
				if !strings.Contains(row, cell) {
					t.Errorf("%s: the accounts page's row of worker token %d does not show %q:\n%s", when, wt.ID, cell, row)
				}
			}
			button := `action="` + revokePath(wt.ID) + `"`
			if has := strings.Contains(row, button); has != (state == console.WorkerTokenValid) {
				t.Errorf("%s: worker token %d (%s): Revoke button %v, want it for a valid token only", when, wt.ID, state, has)
			}
		}
		resp, body := e.do(t, ac, "GET", "/api/v1/accounts", "", adminAPI)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /api/v1/accounts: %s", when, resp.Status)
		}
		var v struct {
			WorkerTokens []struct {
				console.WorkerToken
				State console.WorkerTokenState `json:"state"`
			} `json:"worker_tokens"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		got := map[int64]console.WorkerTokenState{}
		for _, l := range v.WorkerTokens {
			got[l.ID] = l.State
			if l.Worker != e.f.Worker || l.CreatedBy != "shell:test" || l.Prefix == "" || (l.RevokedAt != nil) != (l.State == console.WorkerTokenRevoked) {
				t.Errorf("%s: GET /api/v1/accounts lists %+v", when, l)
			}
		}
		for _, w := range want {
			if got[w.wt.ID] != w.state {
				t.Errorf("%s: GET /api/v1/accounts: worker token %d %q, want %q", when, w.wt.ID, got[w.wt.ID], w.state)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: GET /api/v1/accounts lists %d worker tokens, want %d", when, len(got), len(want))
		}
	}
	checkListed("before", []listed{
		{valid, console.WorkerTokenValid}, {expired, console.WorkerTokenExpired}, {revoked, console.WorkerTokenRevoked}})

	// A listed worker token has exactly the keys of openapi.json's
	// WorkerToken.
	_, body := e.do(t, ac, "GET", "/api/v1/accounts", "", adminAPI)
	var raw struct {
		WorkerTokens []map[string]json.RawMessage `json:"worker_tokens"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.WorkerTokens) == 0 {
		t.Fatalf("GET /api/v1/accounts: %v\n%s", err, body)
	}
	_, body = e.do(t, ac, "GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]json.RawMessage) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	for _, l := range raw.WorkerTokens {
		if string(l["id"]) == strconv.FormatInt(revoked.ID, 10) { // the only one with every field
			if got, want := keys(l), keys(doc.Components.Schemas["WorkerToken"].Properties); !slices.Equal(got, want) {
				t.Errorf("a listed worker token has the keys %v; openapi.json's WorkerToken %v", got, want)
			}
		}
	}

	// The valid token reads its stream.
	s := openStream(t, e.ts.URL, streamPath, tok, "")
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("the valid worker token's stream: %s", s.resp.Status)
	}
	if ev := s.next(t); ev.Name != "snapshot" {
		t.Fatalf("the stream's first event %+v, want a snapshot", ev)
	}

	// Below admin: 403, and the token stays valid.
	for _, rn := range []string{"viewer", "planner"} {
		c := e.client(t)
		e.login(t, c, e.f.Accounts[rn], consoletest.Password)
		if resp, _ := e.do(t, c, "POST", revokePath(valid.ID), "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("revoke as a %s: %s, want 403", rn, resp.Status)
		}
		if resp, _ := e.do(t, c, "GET", "/accounts", "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /accounts as a %s: %s, want 403", rn, resp.Status)
		}
		role, _ := console.ParseRole(rn)
		rt, _, err := console.IssueToken(ctx, e.st, shell, console.NewTokenSpec{Account: e.f.Accounts[rn], Name: rn, Role: role, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := e.do(t, c, "GET", "/api/v1/accounts", "", map[string]string{"Authorization": "Bearer " + rt}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /api/v1/accounts with a %s's token: %s, want 403", rn, resp.Status)
		}
	}
	if _, err := e.st.WorkerTokenOf(ctx, console.HashSecret(tok), e.clock.Now()); err != nil {
		t.Fatalf("after the refused revocations the worker token is not valid: %v", err)
	}

	// The admin revokes it from the page.
	for _, step := range []struct {
		path string
		want int
	}{
		{"/worker-tokens/x/revoke", http.StatusBadRequest},
		{"/worker-tokens/0/revoke", http.StatusBadRequest},
		{revokePath(revoked.ID + 1000), http.StatusNotFound},
		{revokePath(valid.ID), http.StatusSeeOther},
		{revokePath(valid.ID), http.StatusConflict},
		{revokePath(revoked.ID), http.StatusConflict},
	} {
		resp, text := e.do(t, ac, "POST", step.path, "", nil)
		if resp.StatusCode != step.want {
			t.Errorf("POST %s: %s, want %d\n%.300s", step.path, resp.Status, step.want, text)
		}
		if step.want == http.StatusSeeOther && resp.Header.Get("Location") != "/accounts" {
			t.Errorf("POST %s: to %q, want /accounts", step.path, resp.Header.Get("Location"))
		}
	}
	entries, err := e.st.Audit(ctx, console.AuditFilter{Action: "worker_token.revoke"})
	if err != nil {
		t.Fatal(err)
	}
	var byAdmin []console.AuditEntry
	for _, en := range entries {
		if en.Actor != shell.Name {
			byAdmin = append(byAdmin, en)
		}
	}
	if len(byAdmin) != 1 || byAdmin[0].Actor != "account:"+admin || byAdmin[0].Target != "worker_token:"+strconv.FormatInt(valid.ID, 10) ||
		byAdmin[0].Address != "127.0.0.1" || !strings.Contains(string(byAdmin[0].After), `"revoked_at"`) {
		t.Errorf("worker_token.revoke entries other than the shell's: %+v; want one by account:%s of worker_token:%d from 127.0.0.1", byAdmin, admin, valid.ID)
	}

	// Its open stream ends; a new one is refused.
	if ev := s.next(t); ev.Name != "revoked" {
		t.Errorf("the open stream after the revocation: %+v, want revoked", ev)
	}
	if s := openStream(t, e.ts.URL, streamPath, tok, ""); s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked worker token's stream: %s, want 401", s.resp.Status)
	}
	checkListed("after", []listed{
		{valid, console.WorkerTokenRevoked}, {expired, console.WorkerTokenExpired}, {revoked, console.WorkerTokenRevoked}})
}

// TestWorkerTokenStateAtAgreesWithTheStore: StateAt calls a token
// expired from the instant the store stops accepting it (and revoked once
// revoked), so that the accounts page never offers to revoke a token that
// no longer opens its stream, nor hides one that does.
func TestWorkerTokenStateAtAgreesWithTheStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	ctx := context.Background()
	shell := console.Actor{Name: "shell:test"}
	tok, wt, err := console.IssueWorkerToken(ctx, e.st, shell,
		console.NewWorkerTokenSpec{Worker: e.f.Worker, Name: "edge", TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hash := console.HashSecret(tok)
	for _, at := range []time.Time{wt.CreatedAt, wt.ExpiresAt.Add(-time.Microsecond), wt.ExpiresAt, wt.ExpiresAt.Add(time.Microsecond)} {
		_, err := e.st.WorkerTokenOf(ctx, hash, at)
		accepted := err == nil
		if err != nil && !errors.Is(err, console.ErrNotFound) {
			t.Fatal(err)
		}
		if state := wt.StateAt(at); (state == console.WorkerTokenValid) != accepted {
			t.Errorf("at expiry%+v: StateAt says %s, the store accepts the token: %v", at.Sub(wt.ExpiresAt), state, accepted)
		}
	}
	r, err := e.st.RevokeWorkerToken(ctx, shell, wt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.WorkerTokenOf(ctx, hash, wt.CreatedAt); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("the store after the revocation: %v, want ErrNotFound", err)
	}
	for _, at := range []time.Time{wt.CreatedAt, wt.ExpiresAt.Add(time.Hour)} {
		if state := r.StateAt(at); state != console.WorkerTokenRevoked {
			t.Errorf("revoked, at expiry%+v: StateAt says %s, want revoked", at.Sub(wt.ExpiresAt), state)
		}
	}
}
