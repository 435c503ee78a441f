package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var shell = console.Actor{Name: "shell:test"}

// TestAuditIsAppendOnlyByPrivilege: neither the console's role nor the
// scheduler's may change or remove an audit entry, and the owner's
// attempts hit the trigger.
func TestAuditIsAppendOnlyByPrivilege(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, _ := consoletest.New(t, 10)
	var n int
	if err := st.DB.GetContext(ctx, &n, `SELECT count(*) FROM paidan.audit`); err != nil || n == 0 {
		t.Fatalf("console role reads %d audit rows, err %v; want the seeded accounts' entries", n, err)
	}
	for _, stmt := range []string{
		`UPDATE paidan.audit SET actor = 'someone else'`,
		`DELETE FROM paidan.audit`,
		`TRUNCATE paidan.audit`,
	} {
		_, err := st.DB.ExecContext(ctx, stmt)
		if code := pqCode(err); code != "42501" {
			t.Errorf("console role: %s: err %v (code %q), want insufficient_privilege 42501", stmt, err, code)
		}
		_, err = owner.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("owner: %s: err %v, want the append-only trigger's refusal", stmt, err)
		}
	}
	if err := st.DB.GetContext(ctx, &n, `SELECT count(*) FROM paidan.audit WHERE actor = 'someone else'`); err != nil || n != 0 {
		t.Fatalf("after the refused statements: %d rows changed, err %v", n, err)
	}
}

// TestConsoleRoleHoldsOnlyWhatItUses: the console's role cannot delete an
// account or a token (which would cascade unaudited), cannot update
// sessions, pauses or the columns it never sets, and still does what the
// console does (the other tests exercise every query as that role).
func TestConsoleRoleHoldsOnlyWhatItUses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, f := consoletest.New(t, 10)
	if err := st.SetPaused(ctx, shell, f.Partition, true, "maintenance"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := console.IssueToken(ctx, st, shell, console.NewTokenSpec{Account: f.Accounts["viewer"], Name: "bi",
		Role: console.RoleViewer, TTL: time.Hour}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`DELETE FROM paidan.account`,
		`DELETE FROM paidan.api_token`,
		`UPDATE paidan.account SET login = 'mallory'`,
		`UPDATE paidan.account SET created_at = now()`,
		`UPDATE paidan.api_token SET role = 'admin'`,
		`UPDATE paidan.api_token SET expires_at = 'infinity'`,
		`UPDATE paidan.console_session SET expires_at = 'infinity'`,
		`UPDATE paidan.partition_pause SET paused_by = 'someone else'`,
		`TRUNCATE paidan.account CASCADE`,
	} {
		_, err := st.DB.ExecContext(ctx, stmt)
		if code := pqCode(err); code != "42501" {
			t.Errorf("console role: %s: err %v (code %q), want insufficient_privilege 42501", stmt, err, code)
		}
	}
	var n int
	if err := st.DB.GetContext(ctx, &n, `SELECT count(*) FROM paidan.account`); err != nil || n != len(f.Accounts) {
		t.Errorf("after the refused statements: %d accounts (err %v), want %d", n, err, len(f.Accounts))
	}
}

// TestAuditRuntimeRoleCannotChangeIt checks the scheduler's role on a
// database of its own (NewRuntime's).
func TestAuditRuntimeRoleCannotChangeIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, runtime := pgtest.NewRuntime(t)
	if _, err := owner.ExecContext(ctx, `INSERT INTO paidan.audit (actor, action) VALUES ('shell:test', 'account.create')`); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`SELECT count(*) FROM paidan.audit`,
		`INSERT INTO paidan.audit (actor, action) VALUES ('x', 'a.b')`,
		`UPDATE paidan.audit SET actor = 'x'`,
		`DELETE FROM paidan.audit`,
		`TRUNCATE paidan.audit`,
	} {
		_, err := runtime.ExecContext(ctx, stmt)
		if code := pqCode(err); code != "42501" {
			t.Errorf("runtime role: %s: err %v (code %q), want insufficient_privilege 42501", stmt, err, code)
		}
	}
	var paused int
	if err := runtime.GetContext(ctx, &paused, `SELECT count(*) FROM paidan.partition_pause`); err != nil {
		t.Errorf("runtime role cannot read the pauses a scheduler honours: %v", err)
	}
}

func pqCode(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code)
	}
	return ""
}

func TestAccountLifecycleIsAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, f := consoletest.New(t, 10)
	login := f.Accounts["viewer"]

	if _, err := console.CreateAccount(ctx, st, shell, console.NewAccount{Login: login, Role: console.RoleViewer,
		Password: consoletest.Password}, consoletest.Argon2()); !errors.Is(err, console.ErrExists) {
		t.Fatalf("second account %q: err %v, want ErrExists", login, err)
	}
	planner := console.RolePlanner
	a, err := st.UpdateAccount(ctx, shell, login, console.AccountChange{Role: &planner})
	if err != nil || a.Role != console.RolePlanner {
		t.Fatalf("set role: %+v, %v", a, err)
	}
	now := time.Now()
	idHash := console.HashSecret("session-one")
	if err := st.StartSession(ctx, console.Actor{Name: "account:" + login, Address: "192.0.2.1"},
		console.Session{IDHash: idHash, AccountID: a.ID, Login: login, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if p, err := st.SessionPrincipal(ctx, idHash, now); err != nil || p.Login != login || p.Role != console.RolePlanner {
		t.Fatalf("session principal: %+v, %v", p, err)
	}
	if _, err := st.SessionPrincipal(ctx, idHash, now.Add(2*time.Hour)); !errors.Is(err, console.ErrNotFound) {
		t.Fatalf("expired session: err %v, want ErrNotFound", err)
	}
	yes := true
	if _, err := st.UpdateAccount(ctx, shell, login, console.AccountChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionPrincipal(ctx, idHash, now); !errors.Is(err, console.ErrNotFound) {
		t.Fatalf("session of a disabled account: err %v, want ErrNotFound", err)
	}
	if _, err := st.UpdateAccount(ctx, shell, "nobody", console.AccountChange{Disabled: &yes}); !errors.Is(err, console.ErrNotFound) {
		t.Fatalf("unknown account: err %v, want ErrNotFound", err)
	}
	entries, err := st.Audit(ctx, console.AuditFilter{Actor: "shell:test"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Target == login {
			actions = append(actions, e.Action)
		}
	}
	if got, want := strings.Join(actions, " "), "account.disable account.set_role account.create"; got != want {
		t.Errorf("audit of %s: %q, want %q", login, got, want)
	}
	for _, e := range entries {
		if strings.Contains(string(e.After), "argon2") || strings.Contains(string(e.Before), "argon2") {
			t.Errorf("audit entry %d holds a password hash: %s", e.ID, e.After)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, f := consoletest.New(t, 10)
	now := time.Now()
	if _, _, err := console.IssueToken(ctx, st, shell, console.NewTokenSpec{Account: f.Accounts["viewer"], Name: "bi",
		Role: console.RoleAdmin, TTL: time.Hour}, now); !errors.Is(err, console.ErrRoleAboveOwner) {
		t.Fatalf("admin token for a viewer: err %v, want ErrRoleAboveOwner", err)
	}
	tok, rec, err := console.IssueToken(ctx, st, shell, console.NewTokenSpec{Account: f.Accounts["admin"], Name: "bi",
		Role: console.RoleViewer, TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, rec.Prefix) || len(tok) <= len(rec.Prefix) {
		t.Errorf("token %q does not start with its listed prefix %q", tok, rec.Prefix)
	}
	var stored int
	if err := st.DB.GetContext(ctx, &stored, `SELECT count(*) FROM paidan.api_token t WHERE strpos(t::text, $1) > 0`, tok); err != nil || stored != 0 {
		t.Fatalf("the token itself is stored (%d rows, %v)", stored, err)
	}
	p, err := st.TokenPrincipal(ctx, console.HashSecret(tok), now)
	if err != nil || p.Role != console.RoleViewer || p.Login != f.Accounts["admin"] || p.TokenID != rec.ID {
		t.Fatalf("token principal %+v, %v; want the admin account scoped to viewer", p, err)
	}
	if _, err := st.TokenPrincipal(ctx, console.HashSecret(tok), now.Add(2*time.Hour)); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("expired token: err %v, want ErrNotFound", err)
	}
	if _, err := st.RevokeToken(ctx, shell, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeToken(ctx, shell, rec.ID); !errors.Is(err, console.ErrConflict) {
		t.Errorf("second revocation: err %v, want ErrConflict", err)
	}
	if _, err := st.RevokeToken(ctx, shell, rec.ID+100); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("unknown token: err %v, want ErrNotFound", err)
	}
	if _, err := st.TokenPrincipal(ctx, console.HashSecret(tok), now); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("revoked token: err %v, want ErrNotFound", err)
	}
	list, err := st.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("tokens: %+v, %v; want one, revoked", list, err)
	}
}

func TestPinAndPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, f := consoletest.New(t, 10)
	by := console.Actor{Name: "account:paul", Address: "192.0.2.7"}
	task, err := st.SetPin(ctx, by, f.LeftOutTask, f.Worker)
	if err != nil || task.PinnedWorker != f.Worker {
		t.Fatalf("pin: %+v, %v", task, err)
	}
	if _, err := st.SetPin(ctx, by, f.Task, f.Worker); !errors.Is(err, console.ErrConflict) {
		t.Errorf("pinning an assigned task: err %v, want ErrConflict", err)
	}
	if _, err := st.SetPin(ctx, by, f.LeftOutTask, "no-such-worker"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("pinning to an unknown worker: err %v, want ErrNotFound", err)
	}
	if task, err = st.SetPin(ctx, by, f.LeftOutTask, ""); err != nil || task.PinnedWorker != "" {
		t.Fatalf("unpin: %+v, %v", task, err)
	}
	if err := st.SetPaused(ctx, by, f.Partition, true, "inventory count"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPaused(ctx, by, f.Partition, true, ""); !errors.Is(err, console.ErrConflict) {
		t.Errorf("pausing twice: err %v, want ErrConflict", err)
	}
	ps, err := st.Partitions(ctx, time.Now())
	if err != nil || len(ps) != 1 || !ps[0].Paused || ps[0].PauseNote != "inventory count" || ps[0].Pending != f.LeftOut {
		t.Fatalf("partitions: %+v, %v; want %s paused with %d pending", ps, err, f.Partition, f.LeftOut)
	}
	if err := st.SetPaused(ctx, by, f.Partition, false, ""); err != nil {
		t.Fatal(err)
	}
	entries, err := st.Audit(ctx, console.AuditFilter{Actor: by.Name})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Target+" "+e.Address)
	}
	want := []string{
		"partition.resume partition:north 192.0.2.7",
		"partition.pause partition:north 192.0.2.7",
		"task.unpin task:late-0 192.0.2.7",
		"task.pin task:late-0 192.0.2.7",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant (refused changes leave no entry):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDispatchViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, f := consoletest.New(t, 250)
	runs, err := st.Runs(ctx, console.RunFilter{Partition: f.Partition})
	if err != nil || len(runs) != 2 || runs[0].ID != f.FailedRun || runs[1].ID != f.Run {
		t.Fatalf("runs: %+v, %v; want the failed run, then the applied one", runs, err)
	}
	if r := runs[1]; r.Assigned != f.Assigned || r.LeftOut != f.LeftOut || r.ByReason["no_skill"] != f.LeftOut || r.Seconds != 2 {
		t.Errorf("applied run summary %+v", r)
	}
	if runs, err := st.Runs(ctx, console.RunFilter{Status: "failed"}); err != nil || len(runs) != 1 {
		t.Errorf("failed runs: %d, %v; want 1", len(runs), err)
	}
	if runs, err := st.Runs(ctx, console.RunFilter{Day: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}); err != nil || len(runs) != 0 {
		t.Errorf("runs of the next day: %d, %v; want 0", len(runs), err)
	}
	d, err := st.Run(ctx, f.Run)
	if err != nil || d.Overall == nil || d.Overall.Assigned != f.Assigned || len(d.ByRegion) != 1 || d.ByRegion[0].Region != "east" {
		t.Fatalf("run detail %+v, %v", d, err)
	}
	if _, err := st.Run(ctx, "nope"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("unknown run: err %v, want ErrNotFound", err)
	}
	page, err := st.Assignments(ctx, console.AssignmentFilter{Run: f.Run, Limit: 100, After: "t000199"})
	if err != nil || len(page) != 50 || page[0].Task != "t000200" {
		t.Fatalf("third page: %d rows from %v, %v", len(page), page, err)
	}
	found, err := st.Assignments(ctx, console.AssignmentFilter{Run: f.Run, Search: "t00012"})
	if err != nil || len(found) != 10 {
		t.Errorf("search t00012: %d rows, %v; want 10", len(found), err)
	}
	if found, err := st.Assignments(ctx, console.AssignmentFilter{Run: f.Run, Search: "t%"}); err != nil || len(found) != 0 {
		t.Errorf("search t%%: %d rows, %v; want 0 (LIKE wildcards are literal)", len(found), err)
	}
	n := 0
	err = st.EachAssignment(ctx, console.AssignmentFilter{Run: f.Run}, func(console.AssignmentRow) error { n++; return nil })
	if err != nil || n != f.Assigned {
		t.Errorf("streamed %d assignments, %v; want %d", n, err, f.Assigned)
	}
	left, err := st.LeftOut(ctx, console.AssignmentFilter{Run: f.Run})
	if err != nil || len(left) != f.LeftOut || left[0].Reason != "no_skill" || left[0].Detail == "" {
		t.Errorf("left out: %+v, %v", left, err)
	}
	task, err := st.Task(ctx, f.LeftOutTask)
	if err != nil || len(task.History) != 1 || task.History[0].Assigned || task.History[0].Reason != "no_skill" {
		t.Errorf("history of %s: %+v, %v", f.LeftOutTask, task, err)
	}
	task, err = st.Task(ctx, f.Task)
	if err != nil || len(task.History) != 1 || !task.History[0].Assigned || !task.History[0].Active || task.Task.Status != "assigned" {
		t.Errorf("history of %s: %+v, %v", f.Task, task, err)
	}
	ws, err := st.Workers(ctx, console.WorkerFilter{Partition: f.Partition})
	if err != nil || len(ws) != 10 || ws[0].Load != 25 || len(ws[0].TaskRegions) != 1 {
		t.Errorf("workers: %+v, %v", ws, err)
	}
}

// TestPoisonedTimesStillRead: a task or run whose times are ±infinity
// (rows written before the checks of migration 00010, which are NOT VALID
// for old rows) does not stop the partitions, the task, its history or
// the runs from being read: the times come back as missing and the
// partition's oldest pending task is the oldest with a finite time.
func TestPoisonedTimesStillRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, f := consoletest.New(t, 10)
	var oldest time.Time
	if err := owner.GetContext(ctx, &oldest, `SELECT min(created_at) FROM paidan.task WHERE status = 'pending' AND id <> $1`, f.LeftOutTask); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE paidan.task DISABLE TRIGGER task_limits`, // a row from before the limits
		`UPDATE paidan.task SET created_at = '-infinity', due_at = 'infinity' WHERE id = '` + f.LeftOutTask + `'`,
		// A run from before the ledger: the ledger refuses to chain
		// non-finite times, so the row goes in with its trigger off.
		`ALTER TABLE paidan.run DISABLE TRIGGER ledger_on_insert_final`,
		`INSERT INTO paidan.run (id, partition, started_at, finished_at, status, error)
			VALUES ('poisoned', '` + f.Partition + `', '-infinity', 'infinity', 'failed', 'x')`,
		`ALTER TABLE paidan.run ENABLE TRIGGER ledger_on_insert_final`,
		`INSERT INTO paidan.unassigned (run_id, task_id, reason, detail) VALUES ('poisoned', '` + f.Task + `', 'no_skill', 'x')`,
	} {
		if _, err := owner.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	parts, err := st.Partitions(ctx, time.Now())
	if err != nil {
		t.Fatalf("partitions with a poisoned task: %v", err)
	}
	if len(parts) != 1 || parts[0].OldestPending == nil || !parts[0].OldestPending.Equal(oldest) || parts[0].Pending != f.LeftOut {
		t.Errorf("partitions: %+v, want %d pending, the oldest finite at %v", parts, f.LeftOut, oldest)
	}
	task, err := st.Task(ctx, f.LeftOutTask)
	if err != nil {
		t.Fatalf("poisoned task: %v", err)
	}
	if !task.Task.CreatedAt.IsZero() || task.Task.DueAt != nil || len(task.History) != 1 {
		t.Errorf("poisoned task: created %v, due %v, %d events; want missing times and its one event",
			task.Task.CreatedAt, task.Task.DueAt, len(task.History))
	}
	if _, err := st.SetPin(ctx, shell, f.LeftOutTask, f.Worker); err != nil {
		t.Errorf("pin the poisoned task: %v", err)
	}
	if task, err := st.Task(ctx, f.Task); err != nil || len(task.History) != 2 || task.History[0].Run != f.Run ||
		!task.History[1].StartedAt.IsZero() {
		t.Errorf("task left out by the poisoned run: %+v, %v; want its run, then the poisoned one without a start", task.History, err)
	}
	runs, err := st.Runs(ctx, console.RunFilter{})
	if err != nil || len(runs) != 3 || runs[2].ID != "poisoned" {
		t.Fatalf("runs with a poisoned run: %+v, %v; want 3, the poisoned one last", runs, err)
	}
	run, err := st.Run(ctx, "poisoned")
	if err != nil || !run.StartedAt.IsZero() || run.FinishedAt != nil {
		t.Errorf("poisoned run: started %v, finished %v, err %v; want both missing", run.StartedAt, run.FinishedAt, err)
	}
}
