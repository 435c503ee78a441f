package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
)

// TestRunNowFromThePages: a planner sees Run now on the partitions page
// and a viewer does not; the form records the request (the page then
// shows it waiting and no second button), the API answers 202 with the
// request, then 409 while it is open, and 404 for an unknown partition;
// the run page shows the stage durations the run recorded.
func TestRunNowFromThePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	viewer, planner := e.client(t), e.client(t)
	for c, login := range map[*http.Client]string{viewer: e.f.Accounts["viewer"], planner: e.f.Accounts["planner"]} {
		if resp := e.login(t, c, login, consoletest.Password); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %s: %s", login, resp.Status)
		}
	}
	action := `action="/partitions/` + e.f.Partition + `/run"`
	if _, page := e.do(t, viewer, "GET", "/partitions", "", nil); strings.Contains(page, action) || !strings.Contains(page, "no scheduler running") {
		t.Errorf("viewer's partitions page: Run now shown %v, or no next-run column", strings.Contains(page, action))
	}
	if _, page := e.do(t, planner, "GET", "/partitions", "", nil); !strings.Contains(page, action) {
		t.Error("planner's partitions page has no Run now form")
	}
	if resp, _ := e.do(t, planner, "POST", "/partitions/"+e.f.Partition+"/run", "note=backlog", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Run now form: %s", resp.Status)
	}
	if _, page := e.do(t, planner, "GET", "/partitions", "", nil); strings.Contains(page, action) ||
		!strings.Contains(page, "requested by account:"+e.f.Accounts["planner"]) {
		t.Error("partitions page after Run now: want the open request and no second form")
	}
	if resp, body := e.do(t, planner, "POST", "/api/v1/partitions/"+e.f.Partition+"/runs", "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("API request while one is open: %s %s, want 409", resp.Status, body)
	}
	if _, err := e.owner.Exec(`UPDATE paidan.run_request SET claimed_by = 'h:1', claimed_at = now()`); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(t, planner, "POST", "/api/v1/partitions/"+e.f.Partition+"/runs", `{"note":"again"}`, nil)
	var req console.RunRequest
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal([]byte(body), &req) != nil || req.ID == 0 || req.Note != "again" {
		t.Errorf("API request: %s %s, want 202 with the request", resp.Status, body)
	}
	if resp, _ := e.do(t, planner, "POST", "/api/v1/partitions/atlantis/runs", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("API request of an unknown partition: %s, want 404", resp.Status)
	}

	if _, err := e.owner.Exec(`INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages)
		VALUES ($1, 2.5, 1048576, '{"load": 0.75, "plan": 1.5}')`, e.f.Run); err != nil {
		t.Fatal(err)
	}
	_, page := e.do(t, viewer, "GET", "/runs/"+e.f.Run, "", nil)
	for _, want := range []string{`<table id="stages">`, "<td>load</td><td class=\"num\">0.75</td>", "<td>plan</td><td class=\"num\">1.50</td>", "1.00 MiB"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
}
