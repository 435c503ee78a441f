package console

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pageNames are the templates in templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "error", "runs", "run", "task", "workers", "partitions", "audit", "accounts", "deliveries", "reports", "report_new"}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"path": url.PathEscape,
		"time": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.UTC().Format("2006-01-02 15:04:05Z")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.UTC().Format("2006-01-02 15:04:05Z")
			}
			return fmt.Sprint(t)
		},
		"num": func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
		"age": func(sec float64) string {
			return (time.Duration(sec) * time.Second).Round(time.Second).String()
		},
		"reasons": func(m map[string]int) string {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = fmt.Sprintf("%s %d", k, m[k])
			}
			return strings.Join(parts, ", ")
		},
		"join":     strings.Join,
		"statuses": func() []string { return runStatuses },
		"roles":    func() []string { return []string{"viewer", "planner", "admin"} },
		"allows": func(p Principal, role string) bool {
			r, err := ParseRole(role)
			return err == nil && p.Role.Allows(r)
		},
		"json": func(b []byte) string { return string(b) },
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, n := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("console: parse template %s: %w", n, err)
		}
		pages[n] = t
	}
	return pages, nil
}

// pageData is what every page template gets.
type pageData struct {
	Title     string
	Principal Principal
	Version   string
	Path      string
	Data      any
	// Maintenance are the active and upcoming maintenance windows, shown
	// as a banner on every page.
	Maintenance []maintenanceBanner
}

// maintenanceBanner is a maintenance window as the banner shows it.
type maintenanceBanner struct {
	Maintenance
	Now bool // active now, rather than upcoming
}

// banners returns the active and upcoming maintenance windows; a failed
// read is logged and shows none, since the banner must not take a page
// down.
func (s *Server) banners(r *http.Request) []maintenanceBanner {
	now := s.o.Now()
	ms, err := s.o.Store.Maintenance(r.Context(), MaintenanceFilter{EndsAfter: now})
	if err != nil {
		s.o.Logger.Warn("read maintenance windows", "err", err)
		return nil
	}
	out := make([]maintenanceBanner, len(ms))
	for i, m := range ms {
		out[i] = maintenanceBanner{m, m.Active(now)}
	}
	return out
}

// render executes page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, code int, title string, data any) {
	t := s.pages[page]
	var buf bytes.Buffer
	err := t.Execute(&buf, pageData{Title: title, Principal: principalOf(r), Version: s.o.Version, Path: r.URL.Path, Data: data,
		Maintenance: s.banners(r)})
	if err != nil {
		s.o.Logger.Error("render page", "page", page, "err", err)
		http.Error(w, "internal error; the server log has the details", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// pageOfLoader returns a handler rendering page with what load returns.
func pageOfLoader[T any](s *Server, page, title string, load func(*http.Request) (T, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := load(r)
		if err != nil {
			return err
		}
		s.render(w, r, page, http.StatusOK, title, v)
		return nil
	}
}

func (s *Server) runsPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "runs", "Runs", s.loadRuns)(w, r)
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "run", "Run "+r.PathValue("id"), s.loadRun)(w, r)
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "task", "Task "+r.PathValue("id"), s.loadTask)(w, r)
}

func (s *Server) workersPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "workers", "Workers", s.loadWorkers)(w, r)
}

func (s *Server) partitionsPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "partitions", "Partitions", func(r *http.Request) ([]PartitionRow, error) {
		return s.o.Store.Partitions(r.Context(), s.o.Now())
	})(w, r)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "audit", "Audit trail", s.loadAudit)(w, r)
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "accounts", "Accounts and tokens", s.loadAccounts)(w, r)
}

// pinForm pins a task from the task page's form (field worker).
func (s *Server) pinForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathName(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return invalidInput("pin form: %v", err)
	}
	worker, err := name("worker", strings.TrimSpace(r.PostForm.Get("worker")))
	if err != nil {
		return err
	}
	if worker == "" {
		return invalidInput("pin form: worker is required")
	}
	if _, err := s.o.Store.SetPin(r.Context(), principalOf(r).Actor(clientAddress(r)), id, worker); err != nil {
		return err
	}
	http.Redirect(w, r, "/tasks/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (s *Server) unpinForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathName(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.o.Store.SetPin(r.Context(), principalOf(r).Actor(clientAddress(r)), id, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/tasks/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (s *Server) pauseForm(w http.ResponseWriter, r *http.Request) error {
	part, err := pathName(r, "name")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return invalidInput("pause form: %v", err)
	}
	note := r.PostForm.Get("note")
	if err := checkNote(note); err != nil {
		return err
	}
	if err := s.o.Store.SetPaused(r.Context(), principalOf(r).Actor(clientAddress(r)), part, true, note); err != nil {
		return err
	}
	http.Redirect(w, r, "/partitions", http.StatusSeeOther)
	return nil
}

func (s *Server) resumeForm(w http.ResponseWriter, r *http.Request) error {
	part, err := pathName(r, "name")
	if err != nil {
		return err
	}
	if err := s.o.Store.SetPaused(r.Context(), principalOf(r).Actor(clientAddress(r)), part, false, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/partitions", http.StatusSeeOther)
	return nil
}

// csvHeader is the header row of the assignments CSV.
var csvHeader = []string{"task", "worker", "region", "distance_km", "cost_travel", "cost_balance",
	"cost_stability", "cost_total", "pinned", "active"}

// assignmentsCSV streams a run's assignments (all of them, or those
// matching q) as CSV, row by row from the database: memory stays flat
// whatever the run's size. A failure after the first byte aborts the
// response, so that a client never mistakes a cut file for a whole one.
func (s *Server) assignmentsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathName(r, "id")
	if err != nil {
		return err
	}
	f, err := parseAssignmentFilter(id, r.URL.Query(), 0)
	if err != nil {
		return err
	}
	if _, err := s.o.Store.Run(r.Context(), id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(id)+`-assignments.csv"`)
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	ff := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	rec := make([]string, len(csvHeader))
	err = s.o.Store.EachAssignment(r.Context(), f, func(a AssignmentRow) error {
		rec[0], rec[1], rec[2] = a.Task, a.Worker, a.Region
		rec[3], rec[4], rec[5], rec[6], rec[7] = ff(a.DistanceKm), ff(a.CostTravel), ff(a.CostBalance), ff(a.CostStability), ff(a.CostTotal)
		rec[8], rec[9] = strconv.FormatBool(a.Pinned), strconv.FormatBool(a.Active)
		return cw.Write(rec)
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		s.o.Logger.Error("assignments CSV cut short", "run", id, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// safeFileName maps a run id to [A-Za-z0-9._-], for Content-Disposition.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, s)
}
