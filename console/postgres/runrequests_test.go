package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
)

// TestRequestRunIsAuditedOnce: a run request is recorded with its audit
// entry (run.trigger), a second one while it is open is refused
// (ErrConflict) without an audit entry, a partition nothing names is
// ErrNotFound, and the partitions view shows the open request, then,
// once a scheduler recorded its heartbeat, its next run.
func TestRequestRunIsAuditedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, f := consoletest.New(t, 10)
	ann := console.Actor{Name: "account:ann", Address: "192.0.2.1"}
	req, err := st.RequestRun(ctx, ann, f.Partition, "new tasks arrived")
	if err != nil {
		t.Fatal(err)
	}
	if req.ID == 0 || req.Partition != f.Partition || req.RequestedBy != "account:ann" || req.Note != "new tasks arrived" {
		t.Errorf("request %+v", req)
	}
	if _, err := st.RequestRun(ctx, ann, f.Partition, ""); !errors.Is(err, console.ErrConflict) ||
		!strings.Contains(err.Error(), "requested already") {
		t.Errorf("second request: %v, want ErrConflict", err)
	}
	if _, err := st.RequestRun(ctx, ann, "atlantis", ""); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("request of an unknown partition: %v, want ErrNotFound", err)
	}
	entries, err := st.Audit(ctx, console.AuditFilter{Action: "run.trigger"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "account:ann" || entries[0].Target != "partition:"+f.Partition ||
		entries[0].Address != "192.0.2.1" || !strings.Contains(string(entries[0].After), "new tasks arrived") {
		t.Errorf("run.trigger entries %+v, want the one request", entries)
	}

	now := time.Now()
	part := func() console.PartitionRow {
		t.Helper()
		ps, err := st.Partitions(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Name == f.Partition {
				return p
			}
		}
		t.Fatalf("no partition %s in %+v", f.Partition, ps)
		return console.PartitionRow{}
	}
	if p := part(); p.RunRequestedBy != "account:ann" || p.RunRequestedAt == nil || p.NextRunAt != nil {
		t.Errorf("partition before any heartbeat: %+v", p)
	}
	next := now.Add(90 * time.Second).UTC().Truncate(time.Microsecond)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := owner.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO paidan.scheduler_heartbeat (scheduler, partitions, next_at) VALUES ('other:1', '{elsewhere}', $1), ('h:1', '{}', $2)`,
		now.Add(-time.Hour), next)
	exec(`UPDATE paidan.run_request SET claimed_by = 'h:1', claimed_at = now()`)
	if p := part(); p.NextRunAt == nil || !p.NextRunAt.Equal(next) || p.NextRunBy != "h:1" || p.NextRunOverdue || p.RunRequestedAt != nil {
		t.Errorf("partition with a scheduler of every partition: %+v, want next run %v by h:1", p, next)
	}
	exec(`UPDATE paidan.scheduler_heartbeat SET next_at = $1`, now.Add(-5*time.Minute))
	if p := part(); !p.NextRunOverdue {
		t.Errorf("partition whose scheduler's next run is 5 minutes past: %+v, want overdue", p)
	}
}

// TestRunShowsStagesAndRulesChange: the run view carries the run's stage
// durations in pipeline order (paidan.run_usage, which the console role
// reads), and a run whose rules hash differs from the partition's previous
// run's says so, and the change is in the audit trail as rules.change,
// with the database role that wrote the run as the actor.
func TestRunShowsStagesAndRulesChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, f := consoletest.New(t, 10)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := owner.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages)
		VALUES ($1, 1.25, 3145728, '{"write": 0.5, "load": 0.25, "plan": 2, "zeta": 0.1, "lock": 0.01}')`, f.Run)
	d, err := st.Run(ctx, f.Run)
	if err != nil {
		t.Fatal(err)
	}
	if d.Usage == nil || d.Usage.CPUSeconds != 1.25 || d.Usage.PeakMemoryMiB() != 3 {
		t.Fatalf("usage %+v", d.Usage)
	}
	var order []string
	for _, s := range d.Usage.Stages {
		order = append(order, s.Stage)
	}
	if got := strings.Join(order, ","); got != "lock,load,plan,write,zeta" || d.Usage.Stages[2].Seconds != 2 {
		t.Errorf("stages %v, want lock,load,plan,write,zeta with plan 2 s", d.Usage.Stages)
	}
	if d.RulesChanged || d.PreviousRun != "" {
		t.Errorf("first run with rules: changed %v, previous %q", d.RulesChanged, d.PreviousRun)
	}

	var role string
	if err := owner.Get(&role, `SELECT session_user`); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO paidan.run (id, partition, started_at, status) VALUES ('r-same', $1, now(), 'running')`, f.Partition)
	exec(`UPDATE paidan.run SET status = 'skipped', finished_at = now(), rules_hash = 'rh' WHERE id = 'r-same'`)
	exec(`INSERT INTO paidan.run (id, partition, started_at, status, rules_hash) VALUES ('r-new', $1, now() + interval '1 second', 'running', 'rh2')`, f.Partition)
	d, err = st.Run(ctx, "r-new")
	if err != nil {
		t.Fatal(err)
	}
	if !d.RulesChanged || d.PreviousRun != "r-same" || d.PreviousRulesHash != "rh" || d.Usage != nil {
		t.Errorf("run r-new: changed %v, previous %q %q, usage %v; want a change from r-same's rh", d.RulesChanged, d.PreviousRun, d.PreviousRulesHash, d.Usage)
	}
	entries, err := st.Audit(ctx, console.AuditFilter{Action: "rules.change"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "db:"+role || entries[0].Target != "partition:"+f.Partition ||
		!strings.Contains(string(entries[0].Before), `"rh"`) || !strings.Contains(string(entries[0].After), `"r-new"`) {
		t.Errorf("rules.change entries %+v, want one for r-new by db:%s", entries, role)
	}
}
