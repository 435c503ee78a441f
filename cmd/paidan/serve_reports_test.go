package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgtest"
)

// TestServeReportDir: serve --report-dir serves the page of a scheduled
// report written inside it, and not one recorded elsewhere.
func TestServeReportDir(t *testing.T) {
	t.Parallel()
	owner, dsn := pgtest.NewConsoleURL(t)
	db, err := sqlx.Open("postgres", owner)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reports, elsewhere := t.TempDir(), t.TempDir()
	for _, dir := range []string{filepath.Join(reports, "day-2026-12-02"), elsewhere} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte("<p>"+filepath.Base(dir)+"</p>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for i, dir := range []string{filepath.Join(reports, "day-2026-12-02"), elsewhere} {
		from := time.Date(2026, 12, 2+i, 0, 0, 0, 0, time.UTC)
		var id int64
		if err := db.QueryRow(`INSERT INTO paidan.report_run (period, range_from, range_to, dir, finished_at, status, files)
			VALUES ('day', $1, $2, $3, now(), 'done', 3) RETURNING id`, from, from.Add(24*time.Hour), dir).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[dir] = id
	}
	out, _, code := runCLI(t, "account", "create", "vera", "--role", "viewer", "--db", dsn)
	if code != exitOK {
		t.Fatal("account create failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--metrics-addr", "", "--report-dir", reports}, io.Discard, &stderr)
	}()
	base := waitForURL(t, &stderr, `console at (http://[0-9.:]+)/`)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {"vera"}, "password": {strings.TrimSpace(out)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get := func(id int64) (int, string) {
		t.Helper()
		resp, err := c.Get(base + "/reports/" + strconv.FormatInt(id, 10) + "/report.html")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(ids[filepath.Join(reports, "day-2026-12-02")]); code != 200 || body != "<p>day-2026-12-02</p>" {
		t.Errorf("report inside --report-dir: %d %q, want 200 and its page", code, body)
	}
	if code, body := get(ids[elsewhere]); code != 404 || strings.Contains(body, filepath.Base(elsewhere)) {
		t.Errorf("report outside --report-dir: %d, want 404", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after the signal: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s of the signal")
	}
}
