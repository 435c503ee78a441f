package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/report/chromium"
)

// seedHistory writes the report tests' hand-built history into a fresh
// database and returns its DSN.
func seedHistory(t *testing.T) string {
	t.Helper()
	dsn := pgtest.NewURL(t)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	history, err := os.ReadFile("../../report/postgres/testdata/history.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(history)); err != nil {
		t.Fatalf("seed history: %v", err)
	}
	return dsn
}

var generatedLine = regexp.MustCompile(`<p class="generated">Generated [^<]*</p>`)

// TestReportCommand writes the report of the hand-built history in every
// format, then opens the HTML in headless Chromium (a screenshot of each
// section is saved in the test's temporary directory), turns the PDF into
// PNG pages with pdftoppm, and reads the Parquet tables back.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	if _, err := chromium.Find(); err != nil {
		t.Fatalf("the report test needs Chromium: %v", err)
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Fatalf("the report test needs pdftoppm (apt-get install -y poppler-utils): %v", err)
	}
	dsn := seedHistory(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "report")
	args := []string{"report", "--db", dsn, "--from", "2026-11-02", "--to", "2026-11-03", "--cron", "0 */6 * * *", "--out"}
	stdout, stderr, code := runCLI(t, append(args, out, "--format", "html,pdf,parquet,csv")...)
	if code != exitOK {
		t.Fatalf("report: exit %d, stderr %s", code, stderr)
	}
	files := strings.Fields(stdout)
	for _, want := range []string{"report.html", "report.pdf", "runs.csv", "runs.parquet", "cycles.parquet", "latency_breaches.csv"} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("stdout lists %v, want %s among them", files, want)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != len(files) {
		t.Errorf("%s holds %d files, stdout lists %d", out, len(entries), len(files))
	}

	t.Run("deterministic", func(t *testing.T) {
		again := filepath.Join(tmp, "again")
		if _, stderr, code := runCLI(t, append(args, again, "--format", "html")...); code != exitOK {
			t.Fatalf("second report: exit %d, %s", code, stderr)
		}
		a, b := readFile(t, filepath.Join(out, "report.html")), readFile(t, filepath.Join(again, "report.html"))
		if n := len(generatedLine.FindAll(a, -1)); n != 1 {
			t.Fatalf("report.html has %d generation lines, want 1", n)
		}
		if !bytes.Equal(generatedLine.ReplaceAll(a, nil), generatedLine.ReplaceAll(b, nil)) {
			t.Error("two reports of the same data differ beyond the generation time")
		}
		for _, external := range []string{"<script", "<link", "src=\"http", "href=\"http", "@import"} {
			if bytes.Contains(a, []byte(external)) {
				t.Errorf("report.html contains %q; it must be self-contained", external)
			}
		}
	})

	t.Run("browser", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		bctx, stop, err := chromium.Allocate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		u, err := chromium.FileURL(filepath.Join(out, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(1400, 900), chromedp.Navigate(u)); err != nil {
			t.Fatal(err)
		}
		// Every plot is drawn, with its title and axis labels.
		svgs, err := chromedp.Run(bctx, chromedp.Evaluate[int]("document.querySelectorAll('.plot svg text').length > 0 ? document.querySelectorAll('.plot svg').length : 0"))
		if err != nil {
			t.Fatal(err)
		}
		if svgs != 15 {
			t.Errorf("the page shows %d plots with text, want 15 (completion per worker group included)", svgs)
		}
		for _, section := range []string{"dispatch", "completion", "resources", "service"} {
			// Show the section alone, then capture the whole page.
			show := `document.querySelectorAll("body > *").forEach(e => { e.style.display = e.id === "` + section + `" ? "" : "none" }); document.getElementById("` + section + `").offsetHeight`
			height, err := chromedp.Run(bctx, chromedp.Evaluate[int](show))
			if err != nil || height < 600 {
				t.Fatalf("section #%s: height %d, err %v; want a rendered section", section, height, err)
			}
			shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot of #%s: %v", section, err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("screenshot of #%s: %v", section, err)
			}
			if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 600 {
				t.Errorf("screenshot of #%s is %v, want a rendered section", section, b)
			}
			name := filepath.Join(tmp, "section-"+section+".png")
			if err := os.WriteFile(name, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("saved %s", name)
		}
	})

	t.Run("pdf", func(t *testing.T) {
		pages := filepath.Join(tmp, "pages")
		if err := os.Mkdir(pages, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("pdftoppm", "-png", "-r", "40", filepath.Join(out, "report.pdf"), filepath.Join(pages, "page"))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, b)
		}
		entries, err := os.ReadDir(pages)
		if err != nil {
			t.Fatal(err)
		}
		// The cover (range and settings) and each of the four sections start
		// a page (CSS break-before); with this history's tables the layout
		// takes this many A4 landscape pages.
		const wantPages = 18
		if len(entries) != wantPages {
			t.Errorf("report.pdf has %d pages, want %d", len(entries), wantPages)
		}
	})

	t.Run("parquet", func(t *testing.T) {
		for _, name := range files {
			table, ok := strings.CutSuffix(name, ".parquet")
			if !ok {
				continue
			}
			f, err := os.Open(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			pf, err := parquet.OpenFile(f, st.Size())
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			records := readCSV(t, filepath.Join(out, table+".csv"))
			if pf.NumRows() != int64(len(records)-1) {
				t.Errorf("%s has %d rows, %s.csv %d", name, pf.NumRows(), table, len(records)-1)
			}
			if got := len(pf.Schema().Fields()); got != len(records[0]) {
				t.Errorf("%s has %d columns, %s.csv %d", name, got, table, len(records[0]))
			}
			f.Close()
		}
		type dispatched struct {
			PeriodStart time.Time `parquet:"period_start,timestamp(microsecond)"`
			Partition   string    `parquet:"partition"`
			Region      string    `parquet:"region"`
			Assignments int64     `parquet:"assignments"`
			Tasks       int64     `parquet:"tasks"`
			DistanceKm  float64   `parquet:"distance_km"`
		}
		rows, err := parquet.ReadFile[dispatched](filepath.Join(out, "dispatched.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		want := []dispatched{
			{time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "north", "A", 2, 2, 6},
			{time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "north", "B", 1, 1, 6},
			{time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "south", "S", 1, 1, 5},
			{time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), "north", "A", 1, 1, 1},
			{time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), "north", "B", 3, 3, 19},
		}
		if len(rows) != len(want) {
			t.Fatalf("dispatched.parquet has %d rows, want %d", len(rows), len(want))
		}
		for i := range want {
			if !rows[i].PeriodStart.Equal(want[i].PeriodStart) || rows[i].Partition != want[i].Partition ||
				rows[i].Region != want[i].Region || rows[i].Assignments != want[i].Assignments ||
				rows[i].Tasks != want[i].Tasks || rows[i].DistanceKm != want[i].DistanceKm {
				t.Errorf("dispatched.parquet row %d = %+v, want %+v", i, rows[i], want[i])
			}
		}
	})
}

func TestReportUsageErrors(t *testing.T) {
	t.Parallel()
	base := []string{"report", "--db", "postgres://nobody@127.0.0.1:1/none", "--out", filepath.Join(t.TempDir(), "r")}
	for name, extra := range map[string][]string{
		"no from":       {"--to", "2026-11-03"},
		"bad date":      {"--from", "2026-13-01", "--to", "2026-11-03"},
		"empty range":   {"--from", "2026-11-03", "--to", "2026-11-01"},
		"bad period":    {"--from", "2026-11-01", "--to", "2026-11-03", "--period", "hour"},
		"bad format":    {"--from", "2026-11-01", "--to", "2026-11-03", "--format", "html,docx"},
		"two schedules": {"--from", "2026-11-01", "--to", "2026-11-03", "--every", "5m", "--cron", "* * * * *"},
		"bad cron":      {"--from", "2026-11-01", "--to", "2026-11-03", "--cron", "every day"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := runCLI(t, append(base, extra...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return records
}
