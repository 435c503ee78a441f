package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
)

func newWorkerCmd() *cobra.Command {
	var (
		db          *string
		queues      string
		logLevel    string
		metricsAddr string
		pf          pushFlags
	)
	cmd := &cobra.Command{
		Use:   "worker --queues deliver [--deliverers N] [--metrics-addr ADDR]",
		Short: "Work paidan's job queues (River) until stopped (PostgreSQL)",
		Long: `Worker works the job queues named by --queues, on any number of machines
against one database, until SIGINT or SIGTERM. Queue deliver makes the push
deliveries that 'paidan schedule --push' enqueues in each run's write-back
transaction: run it where the subscribers can be reached, with as many
--deliverers as they take at once.

On SIGTERM the worker takes no new job and lets the deliveries in flight
finish (up to --delivery-stop-timeout); a worker killed outright leaves
its jobs running, and River gives them to another worker after 5 minutes.
A delivery is made at least once: the receiver drops repeats by their
Idempotency-Key.

/metrics (the deliveries by state; state="discarded" counts the dead
ones) is served on --metrics-addr, loopback by default; "" serves none.

Connect as a role with paidan_runtime's privileges.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usageErrorf("--log-level %q: want debug, info, warn or error", logLevel)
			}
			for q := range strings.SplitSeq(queues, ",") {
				if !slices.Contains([]string{"deliver"}, strings.TrimSpace(q)) {
					return usageErrorf("--queues: unknown queue %q; known: deliver", q)
				}
			}
			if pf.deliverers < 1 {
				return usageErrorf("--deliverers must be 1 or more for queue deliver")
			}
			logger := slog.New(redactHandler{
				h:       slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}),
				secrets: dsnSecrets(dsnOf(*db)),
			})
			ctx := cmd.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			conn.Close()
			reg := prometheus.NewRegistry()
			_, stop, err := pf.start(ctx, *db, logger, reg)
			if err != nil {
				return err
			}
			defer stop()
			if metricsAddr != "" {
				srv, err := serveMetrics(metricsAddr, reg, &healthState{log: logger}, logger)
				if err != nil {
					return err
				}
				defer srv.shutdown()
				logger.Info("serving metrics", "addr", srv.addr)
			}
			logger.Info("worker started", "queues", queues, "deliverers", pf.deliverers)
			<-ctx.Done()
			logger.Info("worker stopping", "cause", fmt.Sprint(context.Cause(ctx)))
			return nil
		},
	}
	db = addDBFlag(cmd)
	pf.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&queues, "queues", "deliver", "comma-separated queues to work: deliver")
	fl.StringVar(&logLevel, "log-level", "info", "log level: debug (every delivery), info, warn or error")
	fl.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9091", `serve /metrics and /healthz on this address; "" for neither`)
	return cmd
}
