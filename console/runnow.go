package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// RunRequest is a planner's request to run a partition now
// (paidan.run_request). The console records it; a scheduler claims it at
// once (it listens for new requests) or at its next tick, runs the
// partition and records how the run ended.
type RunRequest struct {
	ID          int64      `json:"id"`
	Partition   string     `json:"partition"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	Note        string     `json:"note,omitempty"`
	ClaimedBy   string     `json:"claimed_by,omitempty"` // the scheduler (host:pid); "" while open
	ClaimedAt   *time.Time `json:"claimed_at,omitempty"`
	RunID       string     `json:"run_id,omitempty"`  // the run that served it, once recorded
	Outcome     string     `json:"outcome,omitempty"` // applied, skipped (why), failed (why)
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// RunRequester is the part of a Store that records run requests
// (console/postgres implements it). The console does not plan in-process.
type RunRequester interface {
	// RequestRun records a request to run partition now and audits it
	// (run.trigger) in the same transaction. ErrNotFound when no task,
	// worker or run names the partition; ErrConflict when a request of
	// the partition is open (not yet claimed by a scheduler).
	RequestRun(ctx context.Context, by Actor, partition, note string) (RunRequest, error)
}

// RunNowRequest is the body of POST /api/v1/partitions/{name}/runs; it may
// be empty.
type RunNowRequest struct {
	Note string `json:"note"`
}

func (s *Server) requestRun(r *http.Request, note string) (RunRequest, error) {
	part, err := pathName(r, "name")
	if err != nil {
		return RunRequest{}, err
	}
	if err := checkNote(note); err != nil {
		return RunRequest{}, err
	}
	rr, ok := s.o.Store.(RunRequester)
	if !ok {
		return RunRequest{}, fmt.Errorf("console: the store cannot record run requests")
	}
	return rr.RequestRun(r.Context(), principalOf(r).Actor(clientAddress(r)), part, note)
}

// runNowForm records a run request from the partitions page and returns
// to it.
func (s *Server) runNowForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return invalidInput("run form: %v", err)
	}
	if _, err := s.requestRun(r, r.PostForm.Get("note")); err != nil {
		return err
	}
	http.Redirect(w, r, "/partitions", http.StatusSeeOther)
	return nil
}

// apiRunNow records a run request and answers 202 with it.
func (s *Server) apiRunNow(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeRunNow(r.Body)
	if err != nil {
		return err
	}
	out, err := s.requestRun(r, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, out)
	return nil
}

// decodeRunNow reads a RunNowRequest; an empty body is an empty note.
func decodeRunNow(body io.Reader) (RunNowRequest, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return RunNowRequest{}, err
	}
	if strings.TrimSpace(string(b)) == "" {
		return RunNowRequest{}, nil
	}
	req, err := decodeJSON[RunNowRequest](strings.NewReader(string(b)), "run request")
	if err != nil {
		return req, err
	}
	return req, checkNote(req.Note)
}
