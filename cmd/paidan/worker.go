package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	jobsriver "github.com/paidan/paidan/jobs/river"
)

func newWorkerCmd() *cobra.Command {
	var (
		f           runnerFlags
		queues      string
		metricsAddr string
		pf          pushFlags
		planners    int
		every       time.Duration
		planQueue   string
	)
	cmd := &cobra.Command{
		Use:   "worker --queues plan,deliver [--every 2m] [--planners N] [--deliverers N]",
		Short: "Work paidan's job queues (River) until stopped (PostgreSQL)",
		Long: `Worker works the job queues named by --queues, on any number of machines
against one database, until SIGINT or SIGTERM (see README, "Scaling and
push").

plan: every --every, one cycle job (enqueued by the elected leader among
the workers) enqueues one plan job per partition with pending tasks
(paused ones and, with --partition, others left out), unique per
partition and period; --planners of them run at once in this process, each
exactly as one partition of 'paidan run' (partition lock, version and
capacity checks, at-most-once run id: a duplicate job never dispatches
twice). Applied runs' deliveries are enqueued in their write-back
transactions. --plan-queue gives a pool of machines a queue of its own
(run its workers with the same --plan-queue).

deliver: makes the push deliveries (paidan subscriber), --deliverers at
once. A delivery is made at least once; receivers drop repeats by their
Idempotency-Key.

On SIGTERM the worker takes no new job; a run in flight finishes, its
write-back included, and deliveries in flight finish, within
--delivery-stop-timeout. A worker killed outright leaves its jobs running;
River gives them to another worker after --delivery-rescue-after.

/metrics (runs, deliveries by state; state="discarded" counts the dead
ones) is served on --metrics-addr, loopback by default; "" serves none.
Connect as a role with paidan_runtime's privileges.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var plan, deliver bool
			for q := range strings.SplitSeq(queues, ",") {
				switch strings.TrimSpace(q) {
				case "plan":
					plan = true
				case "deliver":
					deliver = true
				default:
					return usageErrorf("--queues: unknown queue %q; known: plan, deliver", q)
				}
			}
			if plan && (planners < 1 || every <= 0) {
				return usageErrorf("queue plan needs --planners 1 or more and a positive --every")
			}
			if deliver && pf.deliverers < 1 {
				return usageErrorf("queue deliver needs --deliverers 1 or more")
			}
			if !deliver {
				pf.deliverers = 0
			}
			ctx := cmd.Context()
			reg := prometheus.NewRegistry()
			r, db, err := f.newRunner(cmd.ErrOrStderr(), reg)
			if err != nil {
				return err
			}
			defer db.Close()
			logger := r.Logger
			if err := pingDB(ctx, db, f.dsn()); err != nil {
				return err
			}
			opts := jobsriver.Options{Deliver: pf.deliverers, MaxAttempts: pf.maxAttempts,
				Timeout: pf.timeout, RescueAfter: pf.rescueAfter}
			if plan {
				opts.Plan, opts.Runner, opts.Every, opts.PlanQueue, opts.Partitions = planners, r, every, planQueue, f.partitions
			}
			client, stop, err := pf.startWith(ctx, *f.db, logger, reg, opts)
			if err != nil {
				return err
			}
			defer stop()
			if err := publishTo(r, client); err != nil {
				return err
			}
			if metricsAddr != "" {
				srv, err := serveMetrics(metricsAddr, reg, &healthState{log: logger}, logger)
				if err != nil {
					return err
				}
				defer srv.shutdown()
				logger.Info("serving metrics", "addr", srv.addr)
			}
			logger.Info("worker started", "queues", queues, "planners", opts.Plan, "deliverers", opts.Deliver)
			<-ctx.Done()
			logger.Info("worker stopping: runs and deliveries in flight finish", "cause", fmt.Sprint(context.Cause(ctx)))
			return nil
		},
	}
	f.register(cmd)
	pf.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&queues, "queues", "plan,deliver", "comma-separated queues to work: plan, deliver")
	fl.IntVar(&planners, "planners", 1, "partitions this process plans at once (queue plan)")
	fl.DurationVar(&every, "every", 2*time.Minute, "period of cycles: each enqueues one plan job per partition (queue plan)")
	fl.StringVar(&planQueue, "plan-queue", "plan", "the queue of cycle and plan jobs, e.g. plan_big for a pool of big machines")
	fl.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9091", `serve /metrics and /healthz on this address; "" for neither`)
	return cmd
}
