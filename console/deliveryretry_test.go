package console_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
)

// addDeadDelivery inserts, as the owner, a delivery job that River
// discarded after its last failed attempt, and returns its id.
func addDeadDelivery(t *testing.T, owner *sqlx.DB) int64 {
	t.Helper()
	var id int64
	if err := owner.Get(&id, `INSERT INTO paidan_river.river_job (args, kind, max_attempts, queue, state, attempt,
			attempted_at, finalized_at, priority, errors)
		VALUES ('{"subscriber": 1, "key": "north-r/1", "run_id": "north-r", "partition": "north"}', 'paidan_deliver',
			2, 'deliver', 'discarded', 2, now(), now(), 1,
			ARRAY['{"at": "2026-12-03T08:00:00Z", "attempt": 2, "error": "push: subscriber answered 503"}'::jsonb])
		RETURNING id`); err != nil {
		t.Fatalf("add a dead delivery: %v", err)
	}
	return id
}

// TestRetryDeadDeliveryForm: the dead-letter page offers an admin a retry
// button (a planner sees the list without it); the retry makes the job
// available again for one more attempt and is audited with the admin's
// name; a second retry is refused (409) since the job is no longer dead.
func TestRetryDeadDeliveryForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	job := addDeadDelivery(t, e.owner)
	action := "/deliveries/dead/" + strconv.FormatInt(job, 10) + "/retry"

	planner := e.client(t)
	e.login(t, planner, e.f.Accounts["planner"], consoletest.Password)
	if resp, body := e.do(t, planner, "GET", "/deliveries/dead", "", nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, "north-r/1") || strings.Contains(body, action) {
		t.Errorf("planner's dead-letter page: %s; want the delivery listed without a retry button", resp.Status)
	}
	admin := e.client(t)
	e.login(t, admin, e.f.Accounts["admin"], consoletest.Password)
	if resp, body := e.do(t, admin, "GET", "/deliveries/dead", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, action) {
		t.Fatalf("admin's dead-letter page: %s; want a retry button posting to %s", resp.Status, action)
	}
	if resp, _ := e.do(t, admin, "POST", action, "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/deliveries/dead" {
		t.Fatalf("retry: %s to %q; want 303 to the dead-letter page", resp.Status, resp.Header.Get("Location"))
	}
	var state string
	var maxAttempts int
	if err := e.owner.QueryRow(`SELECT state::text, max_attempts FROM paidan_river.river_job WHERE id = $1`, job).Scan(&state, &maxAttempts); err != nil {
		t.Fatal(err)
	}
	if state != "available" || maxAttempts != 3 {
		t.Errorf("after the retry: state %s, max_attempts %d; want available, 3 (one more attempt)", state, maxAttempts)
	}
	var n int
	if err := e.owner.Get(&n, `SELECT count(*) FROM paidan.audit WHERE action = 'delivery.retry' AND actor = $1 AND target = $2`,
		"account:"+e.f.Accounts["admin"], "delivery:"+strconv.FormatInt(job, 10)); err != nil || n != 1 {
		t.Errorf("%d delivery.retry entries by the admin (%v); want 1", n, err)
	}
	if resp, _ := e.do(t, admin, "POST", action, "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second retry: %s; want 409", resp.Status)
	}
	if resp, _ := e.do(t, admin, "POST", "/deliveries/dead/999999/retry", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("retry of an unknown job: %s; want 404", resp.Status)
	}
}
