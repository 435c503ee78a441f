package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	jobsriver "github.com/paidan/paidan/jobs/river"
)

// pushFlags are the flags of push delivery, shared by schedule and worker.
type pushFlags struct {
	enabled     bool
	deliverers  int
	maxAttempts int
	stopTimeout time.Duration
	timeout     time.Duration
	rescueAfter time.Duration
}

// register adds the flags; withSwitch adds --push (schedule, where push is
// optional).
func (p *pushFlags) register(cmd *cobra.Command, withSwitch bool) {
	fl := cmd.Flags()
	if withSwitch {
		fl.BoolVar(&p.enabled, "push", false, "deliver every applied run to the subscribers (paidan subscriber add), enqueued in its write-back's transaction")
	}
	fl.IntVar(&p.deliverers, "deliverers", 4, "deliveries this process makes at once (0: enqueue only, another process delivers)")
	fl.IntVar(&p.maxAttempts, "delivery-attempts", 12, "attempts of a delivery before it is dead (about 2 hours of retries at 12)")
	fl.DurationVar(&p.stopTimeout, "delivery-stop-timeout", 30*time.Second, "on SIGTERM, how long deliveries in flight may take to finish")
	fl.DurationVar(&p.timeout, "delivery-timeout", 30*time.Second, "how long one delivery attempt may take")
	fl.DurationVar(&p.rescueAfter, "delivery-rescue-after", 5*time.Minute, "a delivery left running this long (its process died) is retried; must exceed --delivery-timeout")
}

// start builds a River client on a pool of its own over the DSN, works
// deliveries when --deliverers > 0, and exposes the deliveries' states in
// reg (nil: none). The returned stop waits for jobs in flight up to
// --delivery-stop-timeout and closes the pool.
func (p *pushFlags) start(ctx context.Context, dbFlag string, logger *slog.Logger, reg prometheus.Registerer) (*jobsriver.Client, func(), error) {
	return p.startWith(ctx, dbFlag, logger, reg, jobsriver.Options{Deliver: p.deliverers, MaxAttempts: p.maxAttempts,
		Timeout: p.timeout, RescueAfter: p.rescueAfter})
}

// startWith is start with the client's options given (DB and Logger are
// filled in); it starts the client when it works any queue.
func (p *pushFlags) startWith(ctx context.Context, dbFlag string, logger *slog.Logger, reg prometheus.Registerer, opts jobsriver.Options) (*jobsriver.Client, func(), error) {
	if p.deliverers < 0 || p.maxAttempts < 1 {
		return nil, nil, usageErrorf("--deliverers must be 0 or more and --delivery-attempts 1 or more")
	}
	db, err := prepareDB(dbFlag)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(opts.Deliver + opts.Plan + 4)
	opts.DB, opts.Logger = db.DB, logger.With("component", "river")
	client, err := jobsriver.New(opts)
	if err != nil {
		db.Close()
		return nil, nil, usageErrorf("%v", err)
	}
	if reg != nil {
		if err := reg.Register(jobsriver.NewCollector(db)); err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("push metrics: %w", err)
		}
	}
	working := opts.Deliver > 0 || opts.Plan > 0
	if working {
		// Jobs in flight must not see the signal that stops the process:
		// stop below lets them finish.
		if err := client.Start(context.WithoutCancel(ctx)); err != nil {
			db.Close()
			return nil, nil, scrub(err, dsnOf(dbFlag))
		}
	}
	stop := func() {
		if working {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.stopTimeout)
			defer cancel()
			if err := client.Stop(sctx); err != nil {
				logger.Warn("jobs still in flight at stop; River retries them later", "err", err)
			}
		}
		db.Close()
	}
	return client, stop, nil
}

// publishTo makes r's write-back enqueue its deliveries with client.
func publishTo(r *jobs.Runner, client *jobsriver.Client) error {
	w, ok := r.Writer.(*jobspg.Writer)
	if !ok {
		return fmt.Errorf("push needs the PostgreSQL writer, not %T", r.Writer)
	}
	w.Publisher = &jobsriver.Publisher{Client: client}
	return nil
}
