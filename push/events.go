package push

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paidan/paidan"
)

// Kind is what happened to a task in an applied run. The values are the
// stable strings of the wire format and of paidan.subscriber.events.
type Kind string

// The kinds of events.
const (
	// Assigned: the task was assigned, and had no previous worker or the
	// same one.
	Assigned Kind = "assigned"
	// Reassigned: the task was assigned to a worker other than its
	// previous one (PreviousWorker in the event).
	Reassigned Kind = "reassigned"
	// Unassigned: the run left the task out (Reason is its reason code,
	// e.g. no_capacity) or the write-back refused its assignment (Reason
	// is the conflict kind, e.g. worker_full). It stays pending.
	Unassigned Kind = "unassigned"
)

// Kinds are every kind, in the order they are documented.
var kinds = []Kind{Assigned, Unassigned, Reassigned}

// ErrBadEvents reports an events list that names no kind or an unknown one.
var ErrBadEvents = errors.New("push: bad events")

// ParseKinds parses a comma-separated list of kinds ("assigned,reassigned"),
// returning them sorted and without repeats.
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for f := range strings.SplitSeq(s, ",") {
		k := Kind(strings.TrimSpace(f))
		if !slices.Contains(kinds, k) {
			return nil, fmt.Errorf("%w: %q is not one of assigned, unassigned, reassigned", ErrBadEvents, k)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Event is one task's outcome in an applied run.
type Event struct {
	Kind           Kind   `json:"kind"`
	Task           string `json:"task"`
	Worker         string `json:"worker,omitempty"`          // assigned and reassigned
	PreviousWorker string `json:"previous_worker,omitempty"` // reassigned
	Reason         string `json:"reason,omitempty"`          // unassigned: reason code or conflict kind
	Detail         string `json:"detail,omitempty"`          // unassigned: the plan's explanation
}

// Events returns the events of an applied run: plan is the plan written
// back, batch what it was planned from (for each task's previous worker),
// refused the assignments the write-back refused, by task, with their
// conflict kinds. Assignments come first in plan order, then the tasks the
// plan left out, then the refused ones in task order.
func Events(plan *paidan.Plan, batch *paidan.Batch, refused map[paidan.TaskID]string) []Event {
	previous := make(map[paidan.TaskID]paidan.WorkerID, len(batch.Tasks))
	for i := range batch.Tasks {
		if w := batch.Tasks[i].PreviousWorker; w != "" {
			previous[batch.Tasks[i].ID] = w
		}
	}
	out := make([]Event, 0, len(plan.Assignments)+len(plan.Unassigned))
	var conflicts []Event
	for _, a := range plan.Assignments {
		if kind, ok := refused[a.Task]; ok {
			conflicts = append(conflicts, Event{Kind: Unassigned, Task: string(a.Task), Reason: kind})
			continue
		}
		e := Event{Kind: Assigned, Task: string(a.Task), Worker: string(a.Worker)}
		if p, ok := previous[a.Task]; ok && p != a.Worker {
			e.Kind, e.PreviousWorker = Reassigned, string(p)
		}
		out = append(out, e)
	}
	for _, u := range plan.Unassigned {
		out = append(out, Event{Kind: Unassigned, Task: string(u.Task), Reason: u.Reason.String(), Detail: u.Detail})
	}
	slices.SortFunc(conflicts, func(a, b Event) int { return strings.Compare(a.Task, b.Task) })
	return append(out, conflicts...)
}

// Filter returns the events whose kind is one of want, in order.
func Filter(events []Event, want []Kind) []Event {
	out := make([]Event, 0, len(events))
	for _, e := range events {
		if slices.Contains(want, e.Kind) {
			out = append(out, e)
		}
	}
	return out
}
