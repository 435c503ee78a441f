package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// explainWait is how long a task's page waits for its run to be prepared
// for explanations: a cached run answers in a few milliseconds, a run of
// 10,000 tasks takes 0.2-0.8 s to read and prepare (README, Console).
const explainWait = 150 * time.Millisecond

// explainFromKeptRuns explains tasks for the console from the kept run
// snapshots in db (console/postgres.Explain over a runsnap/postgres
// Explainer holding cache prepared runs). A task whose run is not
// prepared within explainWait gets a note instead (the run goes on being
// prepared; a reload shows the explanation), so that the page keeps within
// its time. Until ctx ends, a Prefetcher listening with a connection of
// its own to dsn keeps the newest kept runs prepared, so that their tasks'
// first explanations answer from memory; should listening fail, tasks are
// still explained (their runs read on first view), and the failure is
// logged.
func explainFromKeptRuns(ctx context.Context, db *sqlx.DB, dsn string, cache int, logger *slog.Logger) console.ExplainFunc {
	e := &runsnappg.Explainer{DB: db, Wait: explainWait, Cache: cache}
	p := &runsnappg.Prefetcher{Explainer: e, DSN: dsn, Logger: logger}
	go func() {
		if err := p.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("not prefetching kept runs; each run is read on its first explanation", "err", scrub(err, dsn))
		}
	}()
	return consolepg.Explain(e)
}
