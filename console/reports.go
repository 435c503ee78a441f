package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ReportRun is a report the scheduler wrote (paidan schedule
// --report-every), as recorded in paidan.report_run.
type ReportRun struct {
	ID         int64      `json:"id"`
	Period     string     `json:"period"`
	From       time.Time  `json:"from"`
	To         time.Time  `json:"to"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Files      *int       `json:"files,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Dir is the directory the report was written to; never shown, since
	// it names the scheduler's file system.
	Dir string `json:"-"`
}

// ReportRequest is a report rendered on demand: the runs and tasks of
// [From, To), of Partition ("" for all), in time series of Period (day,
// week or month).
type ReportRequest struct {
	From, To  time.Time
	Partition string
	Period    string
}

// MaxReportRange is the longest range a report rendered on demand may
// cover.
const MaxReportRange = 93 * 24 * time.Hour

// renderTimeout bounds a report rendered on demand (the benchmark's month
// of 30,000 runs and 1,000,000 assignment rows took 33.5 s).
const renderTimeout = 5 * time.Minute

// reportCSP is the Content-Security-Policy of a report page: inline SVG
// and an inline style sheet, no scripts, no fetches, no forms.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"

// errBusy refuses a report render while another runs.
var errBusy = errors.New("console: a report is being rendered; try again in a minute")

// reportList is what /reports and /api/v1/reports show.
type reportList struct {
	Reports []ReportRun `json:"reports"`
	// Served tells whether report.html of a finished report is served
	// (paidan serve --report-dir).
	Served bool `json:"-"`
}

func (s *Server) loadReports(r *http.Request) (reportList, error) {
	rs, err := s.o.Store.ReportRuns(r.Context(), 200)
	if rs == nil {
		rs = []ReportRun{}
	}
	return reportList{Reports: rs, Served: s.o.ReportDir != ""}, err
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "reports", "Reports", s.loadReports)(w, r)
}

func (s *Server) apiReports(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadReports)(w, r)
}

// reportFile serves report.html of a finished scheduled report, only
// when its recorded directory lies inside Options.ReportDir (after
// resolving symbolic links); anything else is 404.
func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) error {
	notFound := fmt.Errorf("%w: no served report %s", ErrNotFound, r.PathValue("id"))
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 || s.o.ReportDir == "" {
		return notFound
	}
	run, err := s.o.Store.ReportRun(r.Context(), id)
	if err != nil {
		return err
	}
	if run.Status != "done" {
		return notFound
	}
	rel, ok := insideDir(s.o.ReportDir, run.Dir)
	if !ok {
		s.o.Logger.Warn("report directory outside --report-dir refused", "report", id)
		return notFound
	}
	root, err := os.OpenRoot(s.o.ReportDir)
	if err != nil {
		return fmt.Errorf("open report directory: %w", err)
	}
	defer root.Close()
	// os.Root refuses a path that leaves the root, through ".." or a
	// symbolic link.
	f, err := root.Open(filepath.Join(rel, "report.html"))
	if err != nil {
		return notFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return notFound
	}
	h := w.Header()
	h.Set("Content-Security-Policy", reportCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "report.html", st.ModTime(), f)
	return nil
}

// insideDir returns dir relative to root when dir (made absolute against
// the working directory) lies inside root and is not root itself.
func insideDir(root, dir string) (string, bool) {
	if root == "" || dir == "" {
		return "", false
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", false
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(absRoot, absDir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// reportForm is what /reports/new shows.
type reportForm struct {
	From, To, Partition, Period string
	MaxDays                     int
}

func (s *Server) newReportPage(w http.ResponseWriter, r *http.Request) error {
	today := s.o.Now().UTC()
	f := reportForm{From: today.AddDate(0, 0, -7).Format(time.DateOnly), To: today.AddDate(0, 0, -1).Format(time.DateOnly),
		Period: "day", MaxDays: int(MaxReportRange / (24 * time.Hour))}
	s.render(w, r, "report_new", http.StatusOK, "New report", f)
	return nil
}

// parseReportRequest reads from and to (dates, UTC; to included),
// partition and period from r's query.
func parseReportRequest(r *http.Request) (ReportRequest, error) {
	q := r.URL.Query()
	var req ReportRequest
	var err error
	if req.From, err = time.Parse(time.DateOnly, q.Get("from")); err != nil {
		return req, fmt.Errorf("%w: from %q: want a date such as 2026-11-01", ErrInvalidInput, q.Get("from"))
	}
	to, err := time.Parse(time.DateOnly, q.Get("to"))
	if err != nil {
		return req, fmt.Errorf("%w: to %q: want a date such as 2026-11-30", ErrInvalidInput, q.Get("to"))
	}
	req.To = to.AddDate(0, 0, 1)
	switch {
	case !req.To.After(req.From):
		return req, fmt.Errorf("%w: to %s is before from %s", ErrInvalidInput, q.Get("to"), q.Get("from"))
	case req.To.Sub(req.From) > MaxReportRange:
		return req, fmt.Errorf("%w: from %s to %s is more than %d days; use 'paidan report' for longer ranges",
			ErrInvalidInput, q.Get("from"), q.Get("to"), int(MaxReportRange/(24*time.Hour)))
	}
	req.Partition = strings.TrimSpace(q.Get("partition"))
	if len(req.Partition) > 200 {
		return req, fmt.Errorf("%w: partition: at most 200 bytes", ErrInvalidInput)
	}
	switch req.Period = q.Get("period"); req.Period {
	case "":
		req.Period = "day"
	case "day", "week", "month":
	default:
		return req, fmt.Errorf("%w: period %q: want day, week or month", ErrInvalidInput, req.Period)
	}
	return req, nil
}

// renderReport renders the report of the request's range, one at a time
// per process: a second request meanwhile gets 503. The page is built in
// memory first, so that a failure is a clean error, never half a report.
func (s *Server) renderReport(w http.ResponseWriter, r *http.Request) error {
	req, err := parseReportRequest(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.buildReport(r.Context(), req, &buf); err != nil {
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", "60")
		}
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", reportCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = buf.WriteTo(w)
	return err
}

// buildReport renders req into buf while holding the process's one render
// slot, and releases the slot before the caller sends the page, so that a
// client that has read one report may ask for the next at once. It returns
// errBusy when another render holds the slot.
func (s *Server) buildReport(ctx context.Context, req ReportRequest, buf *bytes.Buffer) error {
	select {
	case s.rendering <- struct{}{}:
		defer func() { <-s.rendering }()
	default:
		return errBusy
	}
	ctx, cancel := context.WithTimeout(ctx, renderTimeout)
	defer cancel()
	return s.o.Store.RenderReport(ctx, req, buf, s.o.Now())
}
