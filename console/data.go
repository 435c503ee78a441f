package console

import (
	"net/http"
	"net/url"
	"strconv"
)

// The loaders: each reads a request's parameters and the data both the
// page and the API endpoint of a view show.

// pager is a list's position: its page and the links to its neighbours.
type pager struct {
	Page int    `json:"page"`
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
}

// newPager returns the pager of page p of a list at r's URL: Next is set
// when the page is full (there may be more).
func newPager(r *http.Request, param string, p, got, perPage int) pager {
	link := func(n int) string {
		q := r.URL.Query()
		q.Set(param, strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	pg := pager{Page: p}
	if p > 1 {
		pg.Prev = link(p - 1)
	}
	if got == perPage {
		pg.Next = link(p + 1)
	}
	return pg
}

func pageOf(offset, perPage int) int { return offset/perPage + 1 }

// keyPager is the position in a keyset-paged list: links to its first
// page and to the page after the last row shown.
type keyPager struct {
	First string `json:"first,omitempty"`
	Next  string `json:"next,omitempty"`
}

// newKeyPager returns the pager of a page of got rows whose last key is
// last: Next is set when the page is full, First when this is not it.
func newKeyPager(r *http.Request, after, last string, got, perPage int) keyPager {
	var pg keyPager
	q := r.URL.Query()
	if after != "" {
		q.Del("after")
		pg.First = r.URL.Path + "?" + q.Encode()
	}
	if got == perPage {
		q.Set("after", last)
		pg.Next = r.URL.Path + "?" + q.Encode()
	}
	return pg
}

func lastTask(rows []AssignmentRow) string {
	if len(rows) == 0 {
		return ""
	}
	return rows[len(rows)-1].Task
}

type runsView struct {
	Filter struct {
		Partition string `json:"partition,omitempty"`
		Status    string `json:"status,omitempty"`
		Date      string `json:"date,omitempty"`
	} `json:"filter"`
	Runs  []RunSummary `json:"runs"`
	Pager pager        `json:"pager"`
}

func (s *Server) loadRuns(r *http.Request) (runsView, error) {
	var v runsView
	q := r.URL.Query()
	f, err := parseRunFilter(q)
	if err != nil {
		return v, err
	}
	if v.Runs, err = s.o.Store.Runs(r.Context(), f); err != nil {
		return v, err
	}
	v.Filter.Partition, v.Filter.Status = f.Partition, f.Status
	if !f.Day.IsZero() {
		v.Filter.Date = f.Day.Format("2006-01-02")
	}
	v.Pager = newPager(r, "page", pageOf(f.Offset, runsPerPage), len(v.Runs), runsPerPage)
	return v, nil
}

func pathName(r *http.Request, param string) (string, error) {
	return name(param, r.PathValue(param))
}

type runView struct {
	Run         RunDetail       `json:"run"`
	Search      string          `json:"search,omitempty"`
	Assignments []AssignmentRow `json:"assignments"`
	Pager       keyPager        `json:"pager"`
	LeftOut     []LeftOutRow    `json:"left_out"`
	LeftPager   pager           `json:"left_out_pager"`
}

// loadRun reads a run with one page of its assignments (query q, page)
// and of the tasks it left out (query lpage).
func (s *Server) loadRun(r *http.Request) (runView, error) {
	var v runView
	id, err := pathName(r, "id")
	if err != nil {
		return v, err
	}
	q := r.URL.Query()
	af, err := parseAssignmentFilter(id, q, assignmentsPerPage)
	if err != nil {
		return v, err
	}
	lq := url.Values{"page": q["lpage"]}
	lf, err := parseAssignmentFilter(id, lq, leftOutPerPage)
	if err != nil {
		return v, err
	}
	ctx := r.Context()
	if v.Run, err = s.o.Store.Run(ctx, id); err != nil {
		return v, err
	}
	if v.Assignments, err = s.o.Store.Assignments(ctx, af); err != nil {
		return v, err
	}
	if v.LeftOut, err = s.o.Store.LeftOut(ctx, lf); err != nil {
		return v, err
	}
	v.Search = af.Search
	v.Pager = newKeyPager(r, af.After, lastTask(v.Assignments), len(v.Assignments), assignmentsPerPage)
	v.LeftPager = newPager(r, "lpage", pageOf(lf.Offset, leftOutPerPage), len(v.LeftOut), leftOutPerPage)
	return v, nil
}

func (s *Server) loadTask(r *http.Request) (TaskDetail, error) {
	id, err := pathName(r, "id")
	if err != nil {
		return TaskDetail{}, err
	}
	d, err := s.o.Store.Task(r.Context(), id)
	if err != nil {
		return d, err
	}
	s.explainTask(r.Context(), &d)
	return d, nil
}

type workersView struct {
	Partition string      `json:"partition,omitempty"`
	Search    string      `json:"search,omitempty"`
	Workers   []WorkerRow `json:"workers"`
	Pager     pager       `json:"pager"`
}

func (s *Server) loadWorkers(r *http.Request) (workersView, error) {
	var v workersView
	f, err := parseWorkerFilter(r.URL.Query())
	if err != nil {
		return v, err
	}
	if v.Workers, err = s.o.Store.Workers(r.Context(), f); err != nil {
		return v, err
	}
	v.Partition, v.Search = f.Partition, f.Search
	v.Pager = newPager(r, "page", pageOf(f.Offset, workersPerPage), len(v.Workers), workersPerPage)
	return v, nil
}

type auditView struct {
	Actor   string       `json:"actor,omitempty"`
	Action  string       `json:"action,omitempty"`
	Entries []AuditEntry `json:"entries"`
	Older   string       `json:"older,omitempty"`
}

func (s *Server) loadAudit(r *http.Request) (auditView, error) {
	var v auditView
	f, err := parseAuditFilter(r.URL.Query())
	if err != nil {
		return v, err
	}
	if v.Entries, err = s.o.Store.Audit(r.Context(), f); err != nil {
		return v, err
	}
	v.Actor, v.Action = f.Actor, f.Action
	if n := len(v.Entries); n == f.Limit {
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(v.Entries[n-1].ID, 10))
		v.Older = r.URL.Path + "?" + q.Encode()
	}
	return v, nil
}

type accountsView struct {
	Accounts     []Account         `json:"accounts"`
	Tokens       []Token           `json:"tokens"`
	WorkerTokens []workerTokenView `json:"worker_tokens"`
}

// workerTokenView is a worker token as the accounts page and its API
// list it: with its state at the time of the request.
type workerTokenView struct {
	WorkerToken
	State WorkerTokenState `json:"state"`
}

// loadAccounts reads the accounts, the API tokens and, from a Store that
// keeps them (a WorkerStreamStore), the worker tokens; none otherwise.
func (s *Server) loadAccounts(r *http.Request) (accountsView, error) {
	v := accountsView{WorkerTokens: []workerTokenView{}}
	var err error
	if v.Accounts, err = s.o.Store.Accounts(r.Context()); err != nil {
		return v, err
	}
	if v.Tokens, err = s.o.Store.Tokens(r.Context()); err != nil {
		return v, err
	}
	ws, ok := s.o.Store.(WorkerStreamStore)
	if !ok {
		return v, nil
	}
	wts, err := ws.WorkerTokens(r.Context())
	if err != nil {
		return v, err
	}
	now := s.o.Now()
	for _, t := range wts {
		v.WorkerTokens = append(v.WorkerTokens, workerTokenView{t, t.StateAt(now)})
	}
	return v, nil
}
