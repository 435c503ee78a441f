package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The request decoders: every query parameter and body the server reads
// goes through one of them, and each refuses what it does not expect with
// an error wrapping ErrInvalidInput that names the parameter.

// invalidInput returns an error wrapping ErrInvalidInput.
func invalidInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}

// maxPage bounds page numbers, so that an offset stays far from overflow.
const maxPage = 1_000_000

// name reads an identifier (run, task, worker, partition id, search
// text): at most 200 bytes of UTF-8 without control characters; "" when
// absent.
func name(param, v string) (string, error) {
	if len(v) > 200 {
		return "", invalidInput("%s: %d bytes, want at most 200", param, len(v))
	}
	if !utf8.ValidString(v) {
		return "", invalidInput("%s: not valid UTF-8", param)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", invalidInput("%s: contains control characters", param)
	}
	return v, nil
}

// page reads a 1-based page number; 1 when absent.
func page(q url.Values) (int, error) {
	v := q.Get("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, invalidInput("page %q: want a whole number from 1 to %d", v, maxPage)
	}
	return n, nil
}

// runStatuses are the statuses a run filter accepts (paidan.run's CHECK).
var runStatuses = []string{"running", "applied", "failed", "skipped"}

// parseRunFilter reads the runs list's query: partition, status (one of
// runStatuses), date (YYYY-MM-DD, UTC) and page.
func parseRunFilter(q url.Values) (RunFilter, error) {
	var f RunFilter
	var err error
	if f.Partition, err = name("partition", q.Get("partition")); err != nil {
		return f, err
	}
	if st := q.Get("status"); st != "" {
		ok := false
		for _, s := range runStatuses {
			ok = ok || s == st
		}
		if !ok {
			return f, invalidInput("status %q: want one of %s", st, strings.Join(runStatuses, ", "))
		}
		f.Status = st
	}
	if d := q.Get("date"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return f, invalidInput("date %q: want YYYY-MM-DD", d)
		}
		f.Day = t
	}
	p, err := page(q)
	if err != nil {
		return f, err
	}
	f.Limit = runsPerPage
	f.Offset = (p - 1) * runsPerPage
	return f, nil
}

// Page sizes of the lists.
const (
	runsPerPage        = 50
	assignmentsPerPage = 100
	leftOutPerPage     = 100
	workersPerPage     = 200
	auditPerPage       = 100
)

// parseAssignmentFilter reads a run's assignments query: q (a task or
// worker id prefix), after (the last task id of the page before) and page
// (for the tasks left out).
func parseAssignmentFilter(run string, q url.Values, perPage int) (AssignmentFilter, error) {
	f := AssignmentFilter{Run: run, Limit: perPage}
	var err error
	if f.Search, err = name("q", q.Get("q")); err != nil {
		return f, err
	}
	if f.After, err = name("after", q.Get("after")); err != nil {
		return f, err
	}
	p, err := page(q)
	if err != nil {
		return f, err
	}
	f.Offset = (p - 1) * perPage
	return f, nil
}

// parseWorkerFilter reads the workers list's query: partition, q (an id
// prefix) and page.
func parseWorkerFilter(q url.Values) (WorkerFilter, error) {
	f := WorkerFilter{Limit: workersPerPage}
	var err error
	if f.Partition, err = name("partition", q.Get("partition")); err != nil {
		return f, err
	}
	if f.Search, err = name("q", q.Get("q")); err != nil {
		return f, err
	}
	p, err := page(q)
	if err != nil {
		return f, err
	}
	f.Offset = (p - 1) * workersPerPage
	return f, nil
}

// parseAuditFilter reads the audit list's query: actor, action and before
// (an entry id: the next page starts below it).
func parseAuditFilter(q url.Values) (AuditFilter, error) {
	f := AuditFilter{Limit: auditPerPage}
	var err error
	if f.Actor, err = name("actor", q.Get("actor")); err != nil {
		return f, err
	}
	if f.Action, err = name("action", q.Get("action")); err != nil {
		return f, err
	}
	if b := q.Get("before"); b != "" {
		if f.BeforeID, err = strconv.ParseInt(b, 10, 64); err != nil || f.BeforeID < 1 {
			return f, invalidInput("before %q: want an audit entry id", b)
		}
	}
	return f, nil
}

// PinRequest is the body of PUT /api/v1/tasks/{id}/pin.
type PinRequest struct {
	Worker string `json:"worker"`
}

// PauseRequest is the body of PUT /api/v1/partitions/{name}/pause.
type PauseRequest struct {
	Note string `json:"note"`
}

// decodeJSON reads exactly one JSON object of type T from body, refusing
// unknown fields and trailing data.
func decodeJSON[T any](body io.Reader, what string) (T, error) {
	var v T
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return v, err
		}
		return v, invalidInput("%s: %v", what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, invalidInput("%s: want one JSON object and nothing after it", what)
	}
	return v, nil
}

// decodePin reads a PinRequest: worker is required.
func decodePin(body io.Reader) (PinRequest, error) {
	req, err := decodeJSON[PinRequest](body, "pin request")
	if err != nil {
		return req, err
	}
	if req.Worker, err = name("worker", req.Worker); err != nil {
		return req, err
	}
	if req.Worker == "" {
		return req, invalidInput("pin request: worker is required")
	}
	return req, nil
}

// decodePause reads a PauseRequest; an empty body is an empty note.
func decodePause(body io.Reader) (PauseRequest, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return PauseRequest{}, err
	}
	if strings.TrimSpace(string(b)) == "" {
		return PauseRequest{}, nil
	}
	req, err := decodeJSON[PauseRequest](strings.NewReader(string(b)), "pause request")
	if err != nil {
		return req, err
	}
	return req, checkNote(req.Note)
}

// checkNote accepts a pause note: at most 2000 bytes of UTF-8.
func checkNote(note string) error {
	if len(note) > 2000 || !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		return invalidInput("note: want at most 2000 bytes of UTF-8 without NUL")
	}
	return nil
}
