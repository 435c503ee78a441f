package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
)

// reportCSP is the policy every report page must be served with.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"

// addReportRun records a finished scheduled report of the day starting
// at from, written into dir, and returns its id.
func (e *env) addReportRun(t *testing.T, from time.Time, dir, status string) int64 {
	t.Helper()
	var id int64
	var finished any
	if status != "running" {
		finished = from.Add(25 * time.Hour)
	}
	err := e.owner.QueryRowContext(context.Background(), `INSERT INTO paidan.report_run
		(period, range_from, range_to, dir, started_at, finished_at, status, files)
		VALUES ('day', $1, $2, $3, $4, $5, $6, 3) RETURNING id`,
		from, from.Add(24*time.Hour), dir, from.Add(25*time.Hour), finished, status).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReportsListAndServe: the scheduled reports are listed newest first
// on the page and in the API; a finished report's page is served from
// inside --report-dir with the report policy, and a report recorded
// outside it, through "..", through a symbolic link out of it, still
// running or unknown is 404.
func TestReportsListAndServe(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	e := newEnv(t, console.Options{ReportDir: root})
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	write := func(dir, body string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "day-2026-12-01"), "<p>report of the first</p>")
	write(outside, "<p>secret outside</p>")
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	good := e.addReportRun(t, day, filepath.Join(root, "day-2026-12-01"), "done")
	out := e.addReportRun(t, day.AddDate(0, 0, 1), outside, "done")
	dots := e.addReportRun(t, day.AddDate(0, 0, 2), root+"/day-2026-12-01/../../"+filepath.Base(outside), "done")
	link := e.addReportRun(t, day.AddDate(0, 0, 3), filepath.Join(root, "link"), "done")
	self := e.addReportRun(t, day.AddDate(0, 0, 4), root, "done")
	running := e.addReportRun(t, day.AddDate(0, 0, 5), filepath.Join(root, "day-2026-12-01"), "running")

	c := e.client(t)
	e.login(t, c, e.f.Accounts["viewer"], consoletest.Password)
	resp, body := e.do(t, c, "GET", "/api/v1/reports", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("api reports: %s %s", resp.Status, body)
	}
	var list struct {
		Reports []map[string]any `json:"reports"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Reports) != 6 || int64(list.Reports[0]["id"].(float64)) != running || int64(list.Reports[5]["id"].(float64)) != good {
		t.Errorf("api reports: %s, want 6, newest (%d) first, %d last", body, running, good)
	}
	if strings.Contains(body, root) || strings.Contains(body, "dir") {
		t.Errorf("api reports shows the directories: %s", body)
	}
	resp, page := e.do(t, c, "GET", "/reports", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `href="/reports/`+idText(good)+`/report.html"`) ||
		strings.Contains(page, `href="/reports/`+idText(running)+`/report.html"`) {
		t.Errorf("reports page: %s, want a link to %d and none to the running %d\n%s", resp.Status, good, running, page)
	}

	resp, body = e.do(t, c, "GET", "/reports/"+idText(good)+"/report.html", "", nil)
	if resp.StatusCode != http.StatusOK || body != "<p>report of the first</p>" {
		t.Errorf("report %d: %s %q", good, resp.Status, body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != reportCSP {
		t.Errorf("report CSP %q, want %q", got, reportCSP)
	}
	for _, id := range []int64{out, dots, link, self, running, 999999} {
		resp, body := e.do(t, c, "GET", "/reports/"+idText(id)+"/report.html", "", nil)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
			t.Errorf("report %d: %s, want 404\n%.200s", id, resp.Status, body)
		}
	}
	for _, p := range []string{"/reports/..%2F..%2Fetc/report.html", "/reports/-1/report.html", "/reports/x/report.html"} {
		if resp, _ := e.do(t, c, "GET", p, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", p, resp.Status)
		}
	}

	// Without --report-dir no report page is served.
	e2 := newEnv(t, console.Options{})
	id := e2.addReportRun(t, day, filepath.Join(root, "day-2026-12-01"), "done")
	c2 := e2.client(t)
	e2.login(t, c2, e2.f.Accounts["viewer"], consoletest.Password)
	if resp, _ := e2.do(t, c2, "GET", "/reports/"+idText(id)+"/report.html", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("report without --report-dir: %s, want 404", resp.Status)
	}
}

// TestReportRender: a report rendered on demand counts the seeded runs
// per day (the fixture's applied and failed run on 2026-12-03, and runs
// added here on 2026-12-02), is served with the report policy, and
// refuses a bad or too long range with 400.
func TestReportRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	for i, st := range []string{"failed", "skipped", "skipped"} {
		at := time.Date(2026, 12, 2, 10+i, 0, 0, 0, time.UTC)
		if _, err := e.owner.Exec(`INSERT INTO paidan.run (id, partition, started_at, finished_at, status)
			VALUES ($1, $2, $3, $4, $5)`, "north-extra-"+idText(int64(i)), e.f.Partition, at, at.Add(time.Second), st); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client(t)
	e.login(t, c, e.f.Accounts["viewer"], consoletest.Password)
	resp, form := e.do(t, c, "GET", "/reports/new", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(form, `action="/reports/render"`) {
		t.Fatalf("new report form: %s\n%s", resp.Status, form)
	}
	resp, body := e.do(t, c, "GET", "/reports/render?from=2026-12-01&to=2026-12-04&period=day&partition=north", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("render: %s\n%.2000s", resp.Status, body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != reportCSP {
		t.Errorf("render CSP %q, want %q", got, reportCSP)
	}
	if strings.Contains(body, "<script") {
		t.Error("the rendered report has a script")
	}
	table := regexp.MustCompile(`(?s)<table class="figures" data-table="runs">.*?</table>`).FindString(body)
	cell := regexp.MustCompile(`<td[^>]*>([^<]*)</td>`)
	var rows []string
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, m := range cell.FindAllStringSubmatch(tr[1], -1) {
			cells = append(cells, m[1])
		}
		if len(cells) > 0 {
			rows = append(rows, strings.Join(cells, " | "))
		}
	}
	// period_start | partition | applied | skipped | failed | running
	want := []string{
		"2026-12-02T00:00:00Z | north | 0 | 2 | 1 | 0",
		"2026-12-03T00:00:00Z | north | 1 | 0 | 1 | 0",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("runs table:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	for _, q := range []string{"from=2026-12-05&to=2026-12-01", "from=2026-01-01&to=2026-12-01", "from=x&to=2026-12-01",
		"from=2026-12-01&to=2026-12-02&period=year"} {
		if resp, body := e.do(t, c, "GET", "/reports/render?"+q, "", nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("render %s: %s, want 400\n%.300s", q, resp.Status, body)
		}
	}
}

// TestReportRenderOneAtATime: while a report renders, another render
// request is refused with 503 and Retry-After, and served again after.
func TestReportRenderOneAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	c := e.client(t)
	e.login(t, c, e.f.Accounts["viewer"], consoletest.Password)
	// Hold the report's snapshot back behind a lock on a table it reads.
	tx, err := e.owner.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`LOCK TABLE paidan.run IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() {
		defer wg.Done()
		resp, _ := e.do(t, c, "GET", "/reports/render?from=2026-12-01&to=2026-12-04", "", nil)
		first = resp.StatusCode
	}()
	// Wait until the first render waits on the lock.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := e.owner.Get(&n, `SELECT count(*) FROM pg_locks WHERE relation = 'paidan.run'::regclass AND NOT granted`); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first render never reached the database")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, _ := e.do(t, c, "GET", "/reports/render?from=2026-12-01&to=2026-12-04", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second render: %s (Retry-After %q), want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if first != http.StatusOK {
		t.Errorf("first render: %d, want 200", first)
	}
	if resp, _ := e.do(t, c, "GET", "/reports/render?from=2026-12-01&to=2026-12-04", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("render after: %s, want 200", resp.Status)
	}
}

func idText(n int64) string { return strconv.FormatInt(n, 10) }
