package main

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// explainFromKeptRuns explains tasks for the console from the kept run
// snapshots in db (runsnap/postgres.Explainer: model.Explain over the
// run's own input and plan, as "paidan explain --plan" does).
func explainFromKeptRuns(db *sqlx.DB) console.ExplainFunc {
	e := &runsnappg.Explainer{DB: db}
	return func(ctx context.Context, id paidan.TaskID) (*console.Explained, error) {
		x, err := e.ExplainTask(ctx, id)
		if errors.Is(err, runsnappg.ErrNotKept) {
			return nil, console.ErrNotExplained
		}
		if err != nil {
			return nil, err
		}
		return &console.Explained{Run: x.Run.RunID, Partition: x.Run.Partition, AsOf: x.AsOf, Explanation: x.Explanation}, nil
	}
}
