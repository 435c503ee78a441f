package console

import (
	"context"
	"errors"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

// ErrNotExplained is returned by an ExplainFunc for a task that no kept
// run snapshot decided about (inputs are kept for the newest runs of each
// partition only; see paidan schedule --keep-inputs).
var ErrNotExplained = errors.New("console: no kept run snapshot decided about the task")

// ErrExplanationPending is returned by an ExplainFunc when the run that
// explains the task is still being read (a large run's snapshot takes
// longer than a page should): the page says so and a reload a moment
// later shows the explanation.
var ErrExplanationPending = errors.New("console: the explanation is being prepared")

// Explained is a task's explanation, computed by model.Explain from the
// stored data of the run that decided about it (its kept input snapshot
// and plan with dual potentials), not by planning again.
type Explained struct {
	Run         string
	Partition   string
	AsOf        time.Time
	Explanation *model.Explanation
}

// ExplainFunc explains task id from the latest kept run that assigned it
// or left it out. It returns ErrNotExplained when there is none.
type ExplainFunc func(ctx context.Context, id paidan.TaskID) (*Explained, error)

// explanationWorkers bounds the workers a task page lists, best first.
const explanationWorkers = 25

// TaskExplanation is the explanation part of a task's page and of
// GET /api/v1/tasks/{id}: why the run decided what it did, and every hard
// rule's verdict per worker with the reduced cost of each eligible worker
// not chosen (the least the plan's total would rise with it).
type TaskExplanation struct {
	Run     string    `json:"run"`
	AsOf    time.Time `json:"as_of"`
	Why     string    `json:"why"`
	Penalty float64   `json:"penalty"`
	// Priced reports that reduced costs are given (the run kept its dual
	// potentials and the task is not pinned).
	Priced bool `json:"priced"`
	// Workers are the best workers first (see model.Explanation.Workers),
	// at most 25; MoreWorkers counts the others.
	Workers     []WorkerVerdict `json:"workers"`
	MoreWorkers int             `json:"more_workers"`
}

// WorkerVerdict is one worker's verdict for a task, rule by rule.
type WorkerVerdict struct {
	Worker     string     `json:"worker"`
	DistanceKm float64    `json:"distance_km"`
	Arrival    *time.Time `json:"arrival,omitempty"`
	// Rules holds the hard rules' verdicts in the order skill, region,
	// range, shift, capacity.
	Rules    []RuleVerdict `json:"rules"`
	Eligible bool          `json:"eligible"`
	Chosen   bool          `json:"chosen"`
	Full     bool          `json:"full"`
	// Cost is what the task costs (would cost) on the worker, for the
	// chosen worker and eligible ones that are not full.
	Cost        *float64 `json:"cost,omitempty"`
	ReducedCost *float64 `json:"reduced_cost,omitempty"`
}

// RuleVerdict is one hard rule's verdict for a task and a worker.
type RuleVerdict struct {
	Rule   string `json:"rule"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// taskExplanation presents x for the page and the API.
func taskExplanation(x *Explained) *TaskExplanation {
	e := x.Explanation
	v := &TaskExplanation{Run: x.Run, AsOf: x.AsOf, Why: e.Why, Penalty: e.Penalty, Priced: e.Priced}
	list := e.Workers
	if len(list) > explanationWorkers {
		v.MoreWorkers = len(list) - explanationWorkers
		list = list[:explanationWorkers]
	}
	for _, c := range list {
		w := WorkerVerdict{Worker: string(c.Worker), DistanceKm: c.DistanceKm, Eligible: c.Eligible, Chosen: c.Chosen, Full: c.Full}
		if !c.Arrival.IsZero() {
			a := c.Arrival
			w.Arrival = &a
		}
		for i, r := range []model.RuleCheck{c.Skill, c.Region, c.Range, c.Shift, c.Capacity} {
			w.Rules = append(w.Rules, RuleVerdict{Rule: ruleNames[i], OK: r.OK, Detail: r.Detail})
		}
		if c.Chosen || (c.Eligible && !c.Full) {
			cost := c.Cost.Total()
			w.Cost = &cost
		}
		if e.Priced && c.Eligible && !c.Chosen {
			rc := c.ReducedCost
			w.ReducedCost = &rc
		}
		v.Workers = append(v.Workers, w)
	}
	return v
}

// ruleNames are the hard rules in the order model.Consideration lists them.
var ruleNames = []string{"skill", "region", "range", "shift", "capacity"}

// explainTask adds the task's explanation to d when an ExplainFunc is
// set. A task no kept run decided about gets a note instead; so does a
// failure, which is logged: the rest of the page stands without it.
func (s *Server) explainTask(ctx context.Context, d *TaskDetail) {
	if s.o.Explain == nil {
		d.ExplanationNote = "this console explains no task: it was started without access to kept run snapshots"
		return
	}
	x, err := s.o.Explain(ctx, paidan.TaskID(d.Task.ID))
	switch {
	case errors.Is(err, ErrNotExplained):
		d.ExplanationNote = "no kept run snapshot decided about this task: inputs are kept for the newest runs of each partition only"
	case errors.Is(err, ErrExplanationPending):
		d.ExplanationNote = "the explanation is being prepared from the kept run's snapshot (a large run takes a few seconds to read): reload the page in a moment"
	case err != nil:
		s.o.Logger.Error("explain task", "task", d.Task.ID, "err", err)
		d.ExplanationNote = "the explanation could not be computed; the server's log says why"
	default:
		d.Explanation = taskExplanation(x)
	}
}
