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

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	opsreport "github.com/paidan/paidan/report"
)

func newScheduleCmd() *cobra.Command {
	var (
		f           runnerFlags
		bk          scheduledBackups
		rf          reportFlags
		every       time.Duration
		cronSpec    string
		metricsAddr string
		maxBackoff  time.Duration
		pf          pushFlags
	)
	cmd := &cobra.Command{
		Use:   "schedule (--every D | --cron SPEC) [--metrics-addr 127.0.0.1:9090]",
		Short: "Plan and write back on a schedule until stopped (PostgreSQL)",
		Long: `Schedule runs a cycle of runs (see 'paidan run') on a fixed interval
(--every 2m, the first cycle at once) or a cron schedule (--cron "*/5 * * * *",
five fields, in the local time zone, the first cycle at the first tick),
until SIGINT or SIGTERM.

Cycles never overlap: a cycle longer than the interval delays the next one
and missed ticks are dropped. On SIGTERM a run that is loading or planning
stops (recorded failed, nothing written); a run that is writing back
finishes its one-transaction write-back and export first; nothing is ever
half-written. The command then exits 0. When the database cannot be reached
at start, or goes away later, each attempt is logged and retried with a
backoff (1s doubling up to --max-backoff), and the scheduler carries on by
itself once the server is back; a refused login or a missing database stops
it at start. Any number of schedulers may run against one database: the
partition lock lets one run a partition at a time and the others skip it.

With --push every applied run is delivered to the subscribers ('paidan
subscriber'): the deliveries are enqueued in the run's write-back
transaction and made by this process (--deliverers) or by 'paidan worker
--queues deliver' elsewhere; see README, "Push".

A partition paused in the console (paidan.partition_pause) is left out of
every cycle, --partition or not, until it is resumed; the pause and the
resume are logged once each.

A run requested in the console ("Run now", paidan.run_request) is taken at
once (the scheduler listens on channel paidan_run_request) or at the next
tick, by one scheduler, and its outcome recorded in the request. Before
each wait the scheduler records when its next cycle starts in
paidan.scheduler_heartbeat (as host:pid; the console shows it as the
partitions' next run) and deletes its row when it stops.

/metrics serves the Prometheus metrics and /healthz answers 200 "healthy"
while the database answered and the last cycle succeeded, 503 "unhealthy"
otherwise (the reason is logged, never served). They listen on
--metrics-addr, loopback by default: they have no authentication, so put
them on another interface only behind a proxy that has; --metrics-addr ""
serves neither.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sched jobs.Schedule
			var base opsreport.Query // the schedule, for scheduled reports
			switch {
			case (every > 0) == (cronSpec != ""):
				return usageErrorf("give exactly one of --every (a positive duration) and --cron")
			case every > 0:
				sched = jobs.Every(every)
				base.Schedule, base.Fixed, base.ScheduleText = fixedSchedule(every), every, "every "+every.String()
			default:
				s, err := cron.ParseStandard(cronSpec)
				if err != nil {
					return usageErrorf("--cron %q: %v", cronSpec, err)
				}
				sched = s
				base.Schedule, base.ScheduleText = s, "cron "+cronSpec
			}
			reportPeriod, err := rf.period()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			reg := prometheus.NewRegistry()
			r, db, err := f.newRunner(cmd.ErrOrStderr(), reg)
			if err != nil {
				return err
			}
			defer db.Close()
			if pf.enabled {
				client, stop, err := pf.start(ctx, *f.db, r.Logger, reg)
				if err != nil {
					return err
				}
				defer stop()
				if err := publishTo(r, client); err != nil {
					return err
				}
			}
			waitBackups, err := bk.start(ctx, f.dsn(), r.Logger)
			if err != nil {
				return err
			}
			defer waitBackups()
			health := &healthState{log: r.Logger}
			rollup := rollupAfterCycles(db, r.Logger)
			defer rollup.Wait()
			var reports *jobs.Background
			if reportPeriod != "" {
				read := db
				if rf.db != "" {
					if read, err = openDB(ctx, rf.db); err != nil {
						return err
					}
					defer read.Close()
				}
				reports = scheduledReports(db, read, r.Logger, reportPeriod, rf.dir, base)
				defer reports.Wait()
			}
			reqs := newRunRequests(db)
			s := &jobs.Scheduler{Runner: r, Schedule: sched, Partitions: f.partitions, MaxBackoff: maxBackoff,
				Maintenance: &jobspg.Maintenance{DB: db}, Requests: reqs, Heartbeat: reqs,
				RunAtStart: every > 0,
				OnCycle: func(_ []*jobs.Result, err error) {
					if err != nil {
						health.set("last cycle failed", scrub(err, f.dsn()))
					} else {
						health.set("", nil)
					}
					rollup.Start(ctx)
					if reports != nil {
						reports.Start(ctx)
					}
				}}
			if metricsAddr != "" {
				srv, err := serveMetrics(metricsAddr, reg, health, r.Logger)
				if err != nil {
					return err
				}
				r.Logger.Info("serving metrics", "addr", srv.addr)
				if !isLoopback(srv.addr) {
					r.Logger.Warn("/metrics and /healthz are served without authentication on a non-loopback address", "addr", srv.addr)
				}
				defer srv.shutdown()
			}
			if err := waitForDB(ctx, db, f.dsn(), r.Logger, time.Second, maxBackoff, health); err != nil {
				return err
			}
			if ctx.Err() != nil {
				r.Logger.Info("scheduler stopped before the database answered", "err", context.Cause(ctx))
				return nil
			}
			defer listenRunRequests(ctx, reqs, f.dsn(), r.Logger)()
			return s.Run(ctx)
		},
	}
	f.register(cmd)
	bk.register(cmd)
	rf.register(cmd)
	pf.register(cmd, true)
	fl := cmd.Flags()
	fl.DurationVar(&every, "every", 0, "run a cycle every D (e.g. 2m)")
	fl.StringVar(&cronSpec, "cron", "", `run a cycle on a cron schedule (e.g. "*/5 * * * *")`)
	fl.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9090", `serve /metrics and /healthz on this address; "" for neither (they have no authentication: keep them on loopback or behind a proxy)`)
	fl.DurationVar(&maxBackoff, "max-backoff", time.Minute, "longest wait between retries while the database is unreachable or after a failed cycle")
	return cmd
}

// waitForDB pings db until it answers, ctx ends (then it returns nil and
// the caller sees ctx.Err()), or the error is one that waiting will not
// mend (a refused login, a missing database). Each failed attempt is
// logged with the next delay, from minB doubling up to maxB, and makes
// health unhealthy.
func waitForDB(ctx context.Context, db *sqlx.DB, dsn string, log *slog.Logger, minB, maxB time.Duration, health *healthState) error {
	backoff := time.Duration(0)
	for attempt := 1; ; attempt++ {
		err := pingDB(ctx, db, dsn)
		if err == nil {
			if attempt > 1 {
				log.Info("database reachable", "attempt", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if ce, ok := errors.AsType[*connectError](err); !ok || !ce.retryable() {
			return err
		}
		backoff = min(max(2*backoff, minB), max(maxB, minB))
		health.set("database unreachable", err)
		log.Warn("database unreachable at start; retrying", "attempt", attempt, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// healthState is whether the scheduler is healthy, for /healthz: it is
// unless the database could not be reached at start or the last cycle
// failed. The reason goes to the log when the state changes, never into
// the response.
type healthState struct {
	log    *slog.Logger
	mu     sync.Mutex
	reason string // "" while healthy
}

// set records the state: healthy when reason is "", otherwise unhealthy
// for reason, with err its detail for the log.
func (h *healthState) set(reason string, err error) {
	h.mu.Lock()
	changed := h.reason != reason
	h.reason = reason
	h.mu.Unlock()
	if !changed {
		return
	}
	if reason == "" {
		h.log.Info("health: healthy")
	} else {
		h.log.Warn("health: unhealthy", "reason", reason, "err", err)
	}
}

func (h *healthState) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	reason := h.reason
	h.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "unhealthy")
		return
	}
	fmt.Fprintln(w, "healthy")
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
