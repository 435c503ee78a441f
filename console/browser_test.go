package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	consolepg "github.com/paidan/paidan/console/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// EnvScreenshots names a directory that TestBrowser also writes its
// screenshots to (the README's images: docs/console-*.png).
const EnvScreenshots = "PAIDAN_SCREENSHOTS"

// TestBrowser drives headless Chromium (Debian's chromium package) through
// the console as a planner would: log in, the runs, a run, a task left
// out and why, log out; then as a viewer through the reports: the list of
// scheduled reports, one of them opened, and a range rendered on demand;
// then as an admin on the accounts page, revoking a worker token with its
// button. It saves a screenshot of each page in the test's temporary
// directory.
// Without Chromium it fails: browser tests never skip.
func TestBrowser(t *testing.T) {
	t.Parallel()
	chromium, err := findChromium()
	if err != nil {
		t.Fatal(err)
	}
	var explainer runsnappg.Explainer
	reportDir := t.TempDir()
	e := newEnv(t, console.Options{Version: "test", Explain: consolepg.Explain(&explainer), ReportDir: reportDir})
	explainer.DB, explainer.TmpDir = e.st.DB, t.TempDir() // the console's role
	kept := keptRun(t, e.owner)
	var keptTask string
	if err := e.owner.Get(&keptTask, `SELECT task_id FROM paidan.assignment WHERE run_id = $1 ORDER BY task_id LIMIT 1`, kept); err != nil {
		t.Fatal(err)
	}
	// A scheduled report of the fixture's day, rendered by the console's
	// store as the scheduler's would be, in the served directory.
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	dayDir := filepath.Join(reportDir, "day-2026-12-03")
	if err := os.Mkdir(dayDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := e.st.RenderReport(context.Background(), console.ReportRequest{From: day, To: day.AddDate(0, 0, 1), Period: "day"},
		&page, day.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dayDir, "report.html"), page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	scheduled := idText(e.addReportRun(t, day, dayDir, "done"))
	// Two worker tokens: one revoked already, one to revoke.
	var workerToken console.WorkerToken
	for _, name := range []string{"lost phone", "van 17 app"} {
		if _, workerToken, err = console.IssueWorkerToken(context.Background(), e.st, console.Actor{Name: "shell:test"},
			console.NewWorkerTokenSpec{Worker: e.f.Worker, Name: name, TTL: 24 * time.Hour}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if name == "lost phone" {
			if _, err := e.st.RevokeWorkerToken(context.Background(), console.Actor{Name: "shell:test"}, workerToken.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	workerRow := func(state console.WorkerTokenState) string {
		return fmt.Sprintf("#worker-token-%d.state-%s", workerToken.ID, state)
	}
	shots := t.TempDir()
	extra := os.Getenv(EnvScreenshots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.DisableGPU)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	// capture saves what take returns as console-NAME.png.
	capture := func(name string, take chromedp.Action[[]byte]) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := take(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			for _, dir := range []string{shots, extra} {
				if dir == "" {
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644); err != nil {
					return chromedp.Void{}, err
				}
			}
			return chromedp.Void{}, nil
		}
	}
	shot := func(name string) chromedp.Action[chromedp.Void] { return capture(name, chromedp.FullScreenshot(100)) }
	// text reads the text of sel. A node found while a navigation's new
	// document replaces the old one can be gone by the time its text is
	// read (DevTools: "No node with given id found"); the query then runs
	// again, at most three times.
	text := func(sel string) string {
		t.Helper()
		for attempt := 1; ; attempt++ {
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err == nil {
				return s
			}
			if attempt == 3 || !strings.Contains(err.Error(), "No node with given id found") {
				t.Fatalf("text of %s: %v", sel, err)
			}
		}
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	step("log in",
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		shot("login"),
		chromedp.SendKeys(chromedp.CSS("#login"), e.f.Accounts["planner"]),
		chromedp.SendKeys(chromedp.CSS("#password"), consoletest.Password),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("table#runs")),
		shot("runs"),
	)
	if runs := text("table#runs"); !strings.Contains(runs, e.f.Run) || !strings.Contains(runs, "no_skill 3") {
		t.Fatalf("the runs page does not list run %s with its tasks left out:\n%s", e.f.Run, runs)
	}
	step("open the run",
		chromedp.Click(chromedp.CSS(`a[href="/runs/`+e.f.Run+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("table#assignments")),
		shot("run"),
	)
	if left := text("table#left-out"); !strings.Contains(left, "has skill welding") {
		t.Fatalf("the run page does not say why tasks were left out:\n%s", left)
	}
	step("search the assignments",
		chromedp.SendKeys(chromedp.CSS("#q"), "t00024"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/tasks/t000249"]`)),
	)
	if rows := text("table#assignments tbody"); strings.Count(rows, "t00024") != 10 {
		t.Errorf("search t00024 shows:\n%s\nwant 10 tasks", rows)
	}
	step("open a task left out",
		chromedp.Navigate(e.ts.URL+"/runs/"+e.f.Run),
		chromedp.WaitVisible(chromedp.CSS("table#left-out")),
		chromedp.Click(chromedp.CSS(`#left-out a[href="/tasks/`+e.f.LeftOutTask+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("table#history")),
		shot("task"),
	)
	if h := text("table#history"); !strings.Contains(h, "left out") || !strings.Contains(h, "no active worker in partition north has skill welding") {
		t.Fatalf("the task page does not explain the decision:\n%s", h)
	}
	step("a task's explanation from its run's kept data",
		chromedp.Navigate(e.ts.URL+"/tasks/"+keptTask),
		chromedp.WaitVisible(chromedp.CSS("#explanation")),
		shot("task-why"),
	)
	if why := text("#why"); !strings.Contains(why, "assigned to") {
		t.Errorf("the task page's explanation says %q; want why it was assigned", why)
	}
	if v := text("table#verdicts"); !strings.Contains(v, "(chosen)") || !strings.Contains(v, "ok") {
		t.Errorf("the task page shows no verdicts per worker:\n%s", v)
	}
	step("log out",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/login") {
		t.Fatalf("after logging out the browser is at %q (%v), want /login", loc, err)
	}
	step("the runs need a login again",
		chromedp.Navigate(e.ts.URL+"/runs"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	)

	step("log in as a viewer and open the reports",
		chromedp.SendKeys(chromedp.CSS("#login"), e.f.Accounts["viewer"]),
		chromedp.SendKeys(chromedp.CSS("#password"), consoletest.Password),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("table#runs")),
		chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS("table#reports")),
		shot("reports"),
	)
	if list := text("table#reports"); !strings.Contains(list, scheduled) || !strings.Contains(list, "done") || !strings.Contains(list, "2026-12-03") {
		t.Fatalf("the reports page does not list scheduled report %s of 2026-12-03, done:\n%s", scheduled, list)
	}
	step("open the scheduled report",
		chromedp.Click(chromedp.CSS(`#reports a[href="/reports/`+scheduled+`/report.html"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table[data-table="runs"]`)),
	)
	if runs := text(`table[data-table="runs"]`); !strings.Contains(runs, e.f.Partition) {
		t.Errorf("the scheduled report's runs table names no run of partition %s:\n%s", e.f.Partition, runs)
	}
	step("render a range on demand",
		chromedp.Navigate(e.ts.URL+"/reports"),
		chromedp.WaitVisible(chromedp.CSS("table#reports")),
		chromedp.Click(chromedp.CSS(`a[href="/reports/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/reports/render"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="from"]`), "2026-12-01"),
		chromedp.SetValue(chromedp.CSS(`input[name="to"]`), "2026-12-04"),
		chromedp.SetValue(chromedp.CSS(`input[name="partition"]`), e.f.Partition),
		shot("report-new"),
		chromedp.Click(chromedp.CSS(`form[action="/reports/render"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table[data-table="runs"]`)),
		capture("report", chromedp.CaptureScreenshot()), // its top: the whole report is many screens long
	)
	loc, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/reports/render?") || !strings.Contains(loc, "from=2026-12-01") || !strings.Contains(loc, "to=2026-12-04") {
		t.Errorf("the rendered report is at %q (%v); want /reports/render for 2026-12-01 to 2026-12-04", loc, err)
	}
	// The fixture's applied and failed run, on 2026-12-03.
	if runs := text(`table[data-table="runs"]`); !strings.Contains(runs, "2026-12-03") || !strings.Contains(runs, e.f.Partition) {
		t.Errorf("the rendered report's runs table:\n%s\nwant the runs of partition %s on 2026-12-03", runs, e.f.Partition)
	}

	step("log in as an admin and open the accounts",
		chromedp.Navigate(e.ts.URL+"/runs"),
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), e.f.Accounts["admin"]),
		chromedp.SendKeys(chromedp.CSS("#password"), consoletest.Password),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("table#runs")),
		chromedp.Click(chromedp.CSS(`nav a[href="/accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS(workerRow(console.WorkerTokenValid))),
		shot("accounts"),
	)
	if row := text(workerRow(console.WorkerTokenValid)); !strings.Contains(row, "van 17 app") || !strings.Contains(row, e.f.Worker) || !strings.Contains(row, "valid") {
		t.Fatalf("the accounts page does not list worker token %d of %s as valid:\n%s", workerToken.ID, e.f.Worker, row)
	}
	step("revoke the worker token",
		chromedp.Click(chromedp.CSS(workerRow(console.WorkerTokenValid)+` form[action="/worker-tokens/`+idText(workerToken.ID)+`/revoke"] button`)),
		chromedp.WaitVisible(chromedp.CSS(workerRow(console.WorkerTokenRevoked))),
	)
	if rows := text("#worker-tokens tbody"); strings.Count(rows, "revoked") != 2 || strings.Contains(rows, "Revoke") {
		t.Errorf("after revoking, the accounts page shows:\n%s\nwant both tokens revoked, no Revoke button", rows)
	}
	if _, err := e.st.RevokeWorkerToken(context.Background(), console.Actor{Name: "shell:test"}, workerToken.ID); !errors.Is(err, console.ErrConflict) {
		t.Errorf("revoking the worker token again after the browser did: %v, want ErrConflict", err)
	}

	for _, n := range []string{"login", "runs", "run", "task", "task-why", "reports", "report-new", "report", "accounts"} {
		if st, err := os.Stat(filepath.Join(shots, "console-"+n+".png")); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v", n, err)
		}
	}
}

// findChromium returns the path of Debian's chromium, or an error saying
// how to install it.
func findChromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoChromium
}

var errNoChromium = errorString("no Chromium on PATH: the browser test needs Debian's chromium package (apt-get install -y chromium)")

type errorString string

func (e errorString) Error() string { return string(e) }
