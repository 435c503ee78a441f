package console

import (
	"net/http"
)

// The JSON API: the same loaders as the pages, encoded as JSON. Lists
// carry a pager whose next link is set while pages may follow.

// jsonOf returns a handler that writes what load returns.
func jsonOf[T any](load func(*http.Request) (T, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := load(r)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	writeJSON(w, http.StatusOK, map[string]any{"login": p.Login, "display_name": p.DisplayName,
		"role": p.Role, "token": p.TokenID != 0})
	return nil
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadRuns)(w, r)
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(func(r *http.Request) (RunDetail, error) {
		id, err := pathName(r, "id")
		if err != nil {
			return RunDetail{}, err
		}
		return s.o.Store.Run(r.Context(), id)
	})(w, r)
}

type assignmentsView struct {
	Run         string          `json:"run"`
	Search      string          `json:"search,omitempty"`
	Assignments []AssignmentRow `json:"assignments"`
	Pager       keyPager        `json:"pager"`
}

func (s *Server) apiAssignments(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(func(r *http.Request) (assignmentsView, error) {
		var v assignmentsView
		id, err := pathName(r, "id")
		if err != nil {
			return v, err
		}
		f, err := parseAssignmentFilter(id, r.URL.Query(), assignmentsPerPage)
		if err != nil {
			return v, err
		}
		if _, err := s.o.Store.Run(r.Context(), id); err != nil {
			return v, err
		}
		if v.Assignments, err = s.o.Store.Assignments(r.Context(), f); err != nil {
			return v, err
		}
		v.Run, v.Search = id, f.Search
		v.Pager = newKeyPager(r, f.After, lastTask(v.Assignments), len(v.Assignments), assignmentsPerPage)
		return v, nil
	})(w, r)
}

type leftOutView struct {
	Run     string       `json:"run"`
	LeftOut []LeftOutRow `json:"left_out"`
	Pager   pager        `json:"pager"`
}

func (s *Server) apiLeftOut(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(func(r *http.Request) (leftOutView, error) {
		var v leftOutView
		id, err := pathName(r, "id")
		if err != nil {
			return v, err
		}
		f, err := parseAssignmentFilter(id, r.URL.Query(), leftOutPerPage)
		if err != nil {
			return v, err
		}
		if _, err := s.o.Store.Run(r.Context(), id); err != nil {
			return v, err
		}
		if v.LeftOut, err = s.o.Store.LeftOut(r.Context(), f); err != nil {
			return v, err
		}
		v.Run = id
		v.Pager = newPager(r, "page", pageOf(f.Offset, leftOutPerPage), len(v.LeftOut), leftOutPerPage)
		return v, nil
	})(w, r)
}

func (s *Server) apiTask(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadTask)(w, r)
}

func (s *Server) apiWorkers(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadWorkers)(w, r)
}

func (s *Server) apiPartitions(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(func(r *http.Request) (map[string][]PartitionRow, error) {
		ps, err := s.o.Store.Partitions(r.Context(), s.o.Now())
		return map[string][]PartitionRow{"partitions": ps}, err
	})(w, r)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadAudit)(w, r)
}

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadAccounts)(w, r)
}

func (s *Server) apiPin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathName(r, "id")
	if err != nil {
		return err
	}
	req, err := decodePin(r.Body)
	if err != nil {
		return err
	}
	t, err := s.o.Store.SetPin(r.Context(), principalOf(r).Actor(clientAddress(r)), id, req.Worker)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiUnpin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathName(r, "id")
	if err != nil {
		return err
	}
	t, err := s.o.Store.SetPin(r.Context(), principalOf(r).Actor(clientAddress(r)), id, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiPause(w http.ResponseWriter, r *http.Request) error {
	part, err := pathName(r, "name")
	if err != nil {
		return err
	}
	req, err := decodePause(r.Body)
	if err != nil {
		return err
	}
	if err := s.o.Store.SetPaused(r.Context(), principalOf(r).Actor(clientAddress(r)), part, true, req.Note); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"partition": part, "paused": true})
	return nil
}

func (s *Server) apiResume(w http.ResponseWriter, r *http.Request) error {
	part, err := pathName(r, "name")
	if err != nil {
		return err
	}
	if err := s.o.Store.SetPaused(r.Context(), principalOf(r).Actor(clientAddress(r)), part, false, ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"partition": part, "paused": false})
	return nil
}
