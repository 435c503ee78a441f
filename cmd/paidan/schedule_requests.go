package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/jmoiron/sqlx"

	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// newRunRequests returns the scheduler's run-request queue and heartbeat,
// named host:pid.
func newRunRequests(db *sqlx.DB) *jobspg.Requests {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return &jobspg.Requests{DB: db, Scheduler: fmt.Sprintf("%s:%d", host, os.Getpid())}
}

// listenRunRequests has the scheduler woken by each run request made in
// the console (should listening fail, requests are still taken at every
// tick, and the failure is logged). The function it returns, called when
// the scheduler has stopped, stops listening and deletes the scheduler's
// heartbeat.
func listenRunRequests(ctx context.Context, reqs *jobspg.Requests, dsn string, log *slog.Logger) (stop func()) {
	if err := reqs.Listen(dsn); err != nil {
		log.Warn("not listening for run requests; they are taken at each tick", "err", scrub(err, dsn))
	}
	return func() {
		reqs.Close()
		if err := reqs.Forget(context.WithoutCancel(ctx)); err != nil {
			log.Warn("deleting the scheduler's heartbeat failed", "err", scrub(err, dsn))
		}
	}
}
