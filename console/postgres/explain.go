package postgres

import (
	"context"
	"errors"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// Explain is the console's console.ExplainFunc over kept run snapshots:
// e explains each task from the latest kept run that decided about it
// (model.Explain over the run's own input and plan, as "paidan explain
// --plan" does). A task no kept run decided about is
// console.ErrNotExplained; a run still being read when e stops waiting
// (Explainer.Wait) is console.ErrExplanationPending.
func Explain(e *runsnappg.Explainer) console.ExplainFunc {
	return func(ctx context.Context, id paidan.TaskID) (*console.Explained, error) {
		x, err := e.ExplainTask(ctx, id)
		switch {
		case errors.Is(err, runsnappg.ErrNotKept):
			return nil, console.ErrNotExplained
		case errors.Is(err, runsnappg.ErrPreparing):
			return nil, console.ErrExplanationPending
		case err != nil:
			return nil, err
		}
		return &console.Explained{Run: x.Run.RunID, Partition: x.Run.Partition, AsOf: x.AsOf, Explanation: x.Explanation}, nil
	}
}
