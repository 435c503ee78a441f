package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	"github.com/paidan/paidan/console/internal/consoletest"
	consolepg "github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/datasets"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	"github.com/paidan/paidan/model"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// TestTaskPageExplainsFromTheKeptRun: a run of partition east applied by
// the scheduler's runner with its input kept; the console, whose
// explanations read the kept snapshot as the console's database role,
// shows on the task page and in the API the hard-rule verdicts of every
// listed worker and the reduced costs, equal to what model.Explain says
// on the run's own input and plan; a task no kept run decided about gets
// a note instead.
func TestTaskPageExplainsFromTheKeptRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, st, f := consoletest.New(t, 20)
	run := keptRun(t, owner)
	snap, err := runsnappg.ReadRun(ctx, owner, run, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A task the run assigned that had another eligible worker with room.
	var (
		task, worker string
		want         *model.Explanation
	)
	for _, a := range snap.Plan.Assignments {
		x, err := model.Explain(snap.Batch, snap.Rules, snap.Plan, a.Task)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Workers) > 1 && x.Workers[1].Eligible && !x.Workers[1].Full && !a.Pinned {
			task, worker, want = string(a.Task), string(a.Worker), x
			break
		}
	}
	if want == nil {
		t.Fatal("no assigned task had a second eligible worker with room")
	}
	e := envOn(t, owner, st, f, console.Options{
		Explain: consolepg.Explain(&runsnappg.Explainer{DB: st.DB, TmpDir: t.TempDir()})}) // as the console's role
	c := e.client(t)
	e.login(t, c, f.Accounts["viewer"], consoletest.Password)

	resp, body := e.do(t, c, "GET", "/tasks/"+task, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /tasks/%s: %s", task, resp.Status)
	}
	for _, w := range []string{`id="explanation"`, "From run", run, "Reduced cost", worker + " (chosen)", "table id=\"verdicts\""} {
		if !strings.Contains(body, w) {
			t.Errorf("the task page does not show %q", w)
		}
	}
	if !strings.Contains(body, strings.ReplaceAll(want.Why, "'", "&#39;")) {
		t.Errorf("the task page does not say %q", want.Why)
	}

	resp, body = e.do(t, c, "GET", "/api/v1/tasks/"+task, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/tasks/%s: %s", task, resp.Status)
	}
	var got console.TaskDetail
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	x := got.Explanation
	if x == nil || x.Run != run || !x.Priced || x.Why != want.Why || len(x.Workers) == 0 {
		t.Fatalf("API explanation %+v; want run %s, priced, %q", x, run, want.Why)
	}
	if len(x.Workers)+x.MoreWorkers != len(want.Workers) {
		t.Errorf("API lists %d workers and %d more; the run has %d", len(x.Workers), x.MoreWorkers, len(want.Workers))
	}
	reduced := 0
	for i, w := range x.Workers {
		m := want.Workers[i]
		if w.Worker != string(m.Worker) || w.Chosen != m.Chosen || w.Eligible != m.Eligible || len(w.Rules) != 5 {
			t.Errorf("worker %d: %+v; want %s chosen %v eligible %v with 5 rule verdicts", i, w, m.Worker, m.Chosen, m.Eligible)
			continue
		}
		if !m.Capacity.OK && (w.Rules[4].OK || w.Rules[4].Detail != m.Capacity.Detail) {
			t.Errorf("worker %s capacity verdict %+v; want %+v", w.Worker, w.Rules[4], m.Capacity)
		}
		if m.Eligible && !m.Chosen {
			if w.ReducedCost == nil || *w.ReducedCost != m.ReducedCost || *w.ReducedCost < 0 {
				t.Errorf("worker %s reduced cost %v; want %v, never negative", w.Worker, w.ReducedCost, m.ReducedCost)
			}
			reduced++
		}
	}
	if x.Workers[0].Worker != worker || !x.Workers[0].Chosen {
		t.Errorf("first worker %s; want the chosen %s", x.Workers[0].Worker, worker)
	}
	if reduced == 0 {
		t.Errorf("no eligible worker with a reduced cost among %d listed", len(x.Workers))
	}

	// The fixture's own run kept no input: a note, no explanation.
	resp, body = e.do(t, c, "GET", "/tasks/"+f.LeftOutTask, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "no kept run snapshot decided about this task") || strings.Contains(body, `id="explanation"`) {
		t.Errorf("GET /tasks/%s (no kept run): %s; want the note", f.LeftOutTask, resp.Status)
	}
}

// keptRun seeds partition east (a generated city of 400 tasks) and applies
// one run of it with the scheduler's runner, its input kept; it returns
// the run id.
func keptRun(t testing.TB, owner *sqlx.DB) string {
	t.Helper()
	return keptRunOf(t, owner, "east", 400, 9)
}

// keptRunOf seeds partition part with a generated city of n tasks (seed
// seed; ids prefixed with the partition's name) and applies one run of it
// with the scheduler's runner, its input kept; it returns the run id.
func keptRunOf(t testing.TB, owner *sqlx.DB, part string, n int, seed uint64) string {
	t.Helper()
	ctx := context.Background()
	b := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: seed, IDPrefix: part + "-"})
	b.Partition = part
	if _, err := ingestpg.Seed(ctx, owner, b, ingestpg.SeedOptions{Shift: time.Since(b.AsOf)}); err != nil {
		t.Fatal(err)
	}
	locker := &jobspg.Locker{DB: owner}
	r := &jobs.Runner{Source: &jobspg.Source{DB: owner}, Writer: &jobspg.Writer{DB: owner, Locker: locker}, Locker: locker,
		Rules: paidan.DefaultRules(), Inputs: &runsnappg.Keeper{DB: owner, TmpDir: t.TempDir()}}
	res := r.Run(ctx, part)
	if res.Status != paidan.RunApplied || res.Err != nil {
		t.Fatalf("run of %s: %v %v", part, res.Status, res.Err)
	}
	return res.RunID
}

// TestTaskPageWhileTheExplanationIsPrepared: when the run that explains a
// task is still being read, the task's page and API answer at once with
// a note saying so, and no explanation.
func TestTaskPageWhileTheExplanationIsPrepared(t *testing.T) {
	t.Parallel()
	owner, st, f := consoletest.New(t, 20)
	e := envOn(t, owner, st, f, console.Options{
		Explain: func(context.Context, paidan.TaskID) (*console.Explained, error) {
			return nil, fmt.Errorf("run r1: %w", console.ErrExplanationPending)
		}})
	c := e.client(t)
	e.login(t, c, f.Accounts["viewer"], consoletest.Password)
	const note = "the explanation is being prepared"
	resp, body := e.do(t, c, "GET", "/tasks/"+f.LeftOutTask, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, note) || strings.Contains(body, `id="explanation"`) {
		t.Errorf("GET /tasks/%s while preparing: %s; want the note %q and no explanation", f.LeftOutTask, resp.Status, note)
	}
	resp, body = e.do(t, c, "GET", "/api/v1/tasks/"+f.LeftOutTask, "", nil)
	var got console.TaskDetail
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/tasks/%s: %s %v", f.LeftOutTask, resp.Status, err)
	}
	if got.Explanation != nil || !strings.HasPrefix(got.ExplanationNote, note) {
		t.Errorf("API while preparing: explanation %v, note %q; want none and the note", got.Explanation, got.ExplanationNote)
	}
}

// envOn serves a console with options o over the database seeded as f
// (consoletest.New), with a test clock and cheap password hashes, as
// newEnv does for its own database.
func envOn(t *testing.T, owner *sqlx.DB, st *consolepg.Store, f consoletest.Fixture, o console.Options) *env {
	t.Helper()
	clk := &clock{now: time.Now()}
	o.Store, o.Now, o.Argon2 = st, clk.Now, consoletest.Argon2()
	srv, err := console.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{owner: owner, srv: srv, ts: ts, st: st, f: f, clock: clk}
}
