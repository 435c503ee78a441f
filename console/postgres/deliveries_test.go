package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan/console/internal/consoletest"
)

// TestDeadDeliveries: the console's role lists discarded push deliveries,
// newest first, with their subscriber's name (or #ID once removed) and
// last error, and leaves out deliveries in any other state; it may read
// River's jobs but not change them.
func TestDeadDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, _ := consoletest.New(t, 10)
	var sub int64
	if err := owner.GetContext(ctx, &sub, `INSERT INTO paidan.subscriber (name, url, events, secret, created_by)
		VALUES ('app', 'https://app.example.com/hook', '{assigned}', '0123456789abcdef', 'shell:test') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO paidan_river.river_job (args, attempt, attempted_at, errors, finalized_at, kind, max_attempts, queue, state)
		VALUES (jsonb_build_object('subscriber', $1::bigint, 'key', $2::text, 'run_id', $3::text, 'partition', 'north'),
		        3, now(), ARRAY[jsonb_build_object('error', 'first'), jsonb_build_object('error', $4::text)],
		        CASE WHEN $5::text IN ('discarded', 'completed') THEN now() - $6::interval END,
		        'paidan_deliver', 3, 'deliver', $5::text::paidan_river.river_job_state)`
	for _, j := range []struct {
		sub              int64
		key, run, err    string
		state, finalized string
	}{
		{sub, "r1/1", "r1", "push: subscriber answered 503", "discarded", "2 minutes"},
		{sub + 99, "r2/100", "r2", "connection refused", "discarded", "1 minute"},
		{sub, "r3/1", "r3", "", "completed", "1 minute"},
		{sub, "r4/1", "r4", "timeout", "retryable", "0"},
	} {
		if _, err := owner.ExecContext(ctx, insert, j.sub, j.key, j.run, j.err, j.state, j.finalized); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.DeadDeliveries(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("DeadDeliveries = %+v; want the 2 discarded", got)
	}
	if got[0].RunID != "r2" || got[0].Subscriber != fmt.Sprintf("#%d", sub+99) || got[0].LastError != "connection refused" ||
		got[1].RunID != "r1" || got[1].Subscriber != "app" || got[1].Attempts != 3 || got[1].Key != "r1/1" {
		t.Errorf("DeadDeliveries = %+v; want r2 (a removed subscriber) then r1 (app), newest first", got)
	}
	if _, err := st.DB.ExecContext(ctx, `DELETE FROM paidan_river.river_job`); pqCode(err) != "42501" {
		t.Errorf("console role deleting River's jobs: %v; want 42501", err)
	}
}
