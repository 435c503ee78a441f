package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/jobs"
)

func newScheduleCmd() *cobra.Command {
	var (
		f           runnerFlags
		bk          scheduledBackups
		every       time.Duration
		cronSpec    string
		metricsAddr string
		maxBackoff  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "schedule (--every D | --cron SPEC) [--metrics-addr :9090]",
		Short: "Plan and write back on a schedule until stopped (PostgreSQL)",
		Long: `Schedule runs a cycle of runs (see 'paidan run') on a fixed interval
(--every 2m, the first cycle at once) or a cron schedule (--cron "*/5 * * * *",
five fields, in the local time zone, the first cycle at the first tick),
until SIGINT or SIGTERM.

Cycles never overlap: a cycle longer than the interval delays the next one
and missed ticks are dropped. On SIGTERM a run that is loading or planning
stops (recorded failed, nothing written); a run that is writing back
finishes its one-transaction write-back and export first; nothing is ever
half-written. The command then exits 0. When the database goes away, the failed cycle is
logged and retried with a backoff (1s doubling up to --max-backoff), and the
scheduler carries on by itself once the server is back. Any number of
schedulers may run against one database: the partition lock lets one run a
partition at a time and the others skip it.

With --metrics-addr, /metrics serves the Prometheus metrics and /healthz
answers 200 while the last cycle succeeded, 503 after a failed one.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sched jobs.Schedule
			switch {
			case (every > 0) == (cronSpec != ""):
				return usageErrorf("give exactly one of --every (a positive duration) and --cron")
			case every > 0:
				sched = jobs.Every(every)
			default:
				s, err := cron.ParseStandard(cronSpec)
				if err != nil {
					return usageErrorf("--cron %q: %v", cronSpec, err)
				}
				sched = s
			}
			ctx := cmd.Context()
			reg := prometheus.NewRegistry()
			r, db, err := f.newRunner(ctx, cmd.ErrOrStderr(), reg)
			if err != nil {
				return err
			}
			defer db.Close()
			waitBackups, err := bk.start(ctx, f.dsn(), r.Logger)
			if err != nil {
				return err
			}
			defer waitBackups()
			var health healthState
			s := &jobs.Scheduler{Runner: r, Schedule: sched, Partitions: f.partitions, MaxBackoff: maxBackoff,
				RunAtStart: every > 0,
				OnCycle:    func(_ []*jobs.Result, err error) { health.set(scrub(err, f.dsn())) }}
			if metricsAddr != "" {
				srv, err := serveMetrics(metricsAddr, reg, &health, r.Logger)
				if err != nil {
					return err
				}
				r.Logger.Info("serving metrics", "addr", srv.addr)
				defer srv.shutdown()
			}
			return s.Run(ctx)
		},
	}
	f.register(cmd)
	bk.register(cmd)
	fl := cmd.Flags()
	fl.DurationVar(&every, "every", 0, "run a cycle every D (e.g. 2m)")
	fl.StringVar(&cronSpec, "cron", "", `run a cycle on a cron schedule (e.g. "*/5 * * * *")`)
	fl.StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on this address (e.g. :9090)")
	fl.DurationVar(&maxBackoff, "max-backoff", time.Minute, "longest wait between retries after a failed cycle")
	return cmd
}

// healthState is the outcome of the last cycle, for /healthz.
type healthState struct {
	mu  sync.Mutex
	err error
}

func (h *healthState) set(err error) {
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
}

func (h *healthState) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	err := h.err
	h.mu.Unlock()
	if err != nil {
		http.Error(w, "last cycle failed: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// metricsServer serves /metrics and /healthz.
type metricsServer struct {
	srv  *http.Server
	addr string // the address listened on
	done chan struct{}
}

// serveMetrics listens on addr and serves in the background.
func serveMetrics(addr string, reg *prometheus.Registry, health http.Handler, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("/healthz", health)
	m := &metricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// Serve fails only when the listener does; the scheduler goes on.
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return m, nil
}

func (m *metricsServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	<-m.done
}
