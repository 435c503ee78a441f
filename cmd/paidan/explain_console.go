package main

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// explainWait is how long a task's page waits for its run to be prepared
// for explanations: a cached run answers in a few milliseconds, a run of
// 10,000 tasks takes 0.2-0.8 s to read and prepare (README, Console).
const explainWait = 150 * time.Millisecond

// explainFromKeptRuns explains tasks for the console from the kept run
// snapshots in db (runsnap/postgres.Explainer: model.Explain over the
// run's own input and plan, as "paidan explain --plan" does). A task
// whose run is not prepared within explainWait gets a note instead (the
// run goes on being prepared; a reload shows the explanation), so that
// the page keeps within its time.
func explainFromKeptRuns(db *sqlx.DB) console.ExplainFunc {
	e := &runsnappg.Explainer{DB: db, Wait: explainWait}
	return func(ctx context.Context, id paidan.TaskID) (*console.Explained, error) {
		x, err := e.ExplainTask(ctx, id)
		if errors.Is(err, runsnappg.ErrNotKept) {
			return nil, console.ErrNotExplained
		}
		if errors.Is(err, runsnappg.ErrPreparing) {
			return nil, console.ErrExplanationPending
		}
		if err != nil {
			return nil, err
		}
		return &console.Explained{Run: x.Run.RunID, Partition: x.Run.Partition, AsOf: x.AsOf, Explanation: x.Explanation}, nil
	}
}
