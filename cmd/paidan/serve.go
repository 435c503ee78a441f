package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// serveFlags are the flags of serve (and the console part of demo).
type serveFlags struct {
	addr           string
	tlsCert        string
	tlsKey         string
	insecureListen bool
	secureCookies  bool
	sessionTTL     time.Duration
	logLevel       string
	// metricsAddr is where /metrics and /healthz listen, apart from the
	// console; "" serves no metrics. Only serve sets it (--metrics-addr).
	metricsAddr string
	// reportDir is the directory of the scheduled reports whose pages the
	// console serves (--report-dir); "" serves none.
	reportDir string
	// explainCache is how many kept runs stay prepared for task
	// explanations (--explain-cache); 0 is runsnap/postgres's default.
	explainCache int
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	var db *string
	cmd := &cobra.Command{
		Use:   "serve [--db DSN] [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE]",
		Short: "Serve the operations console and the JSON API (PostgreSQL)",
		Long: `Serve runs the operations console (HTML pages that work without
JavaScript) and its JSON API under /api/v1 (reference: /api/v1/openapi.json)
over the paidan schema, until SIGINT or SIGTERM, then shuts down
gracefully: requests in flight get 10 seconds to finish.

Log in with an account made by 'paidan account create'; the API also takes
tokens from 'paidan token create'. /healthz answers while the process runs
(liveness), /readyz while the database answers (readiness). /metrics
(Prometheus) and another /healthz listen apart from the console on
--metrics-addr, loopback by default: they have no authentication, so put
them on another interface only behind a proxy that has; --metrics-addr ""
serves neither.

Without --tls-cert and --tls-key the server listens only on a loopback
address (127.0.0.1, ::1, localhost) unless --insecure-listen is given (for
a TLS-terminating proxy on the same host). With them, session cookies are
Secure. The database role needs the privileges of paidan_console.

With --report-dir (the scheduler's), the Reports page links the page of
each finished scheduled report recorded inside that directory; nothing
outside it is served. Any viewer may render a report of up to 93 days on
demand (/reports/new), one at a time.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			logger, err := newLogger(cmd.ErrOrStderr(), f.logLevel, dsnOf(*db))
			if err != nil {
				return err
			}
			// Worker streams wake on LISTEN paidan_run_applied; the
			// listener's Close at shutdown ends them.
			store := consolepg.Listen(&consolepg.Store{DB: conn}, dsnOf(*db), logger)
			defer store.Close()
			return serveConsole(ctx, f, store, explainFromKeptRuns(ctx, conn, dsnOf(*db), f.explainCache, logger), logger, cmd.ErrOrStderr(), nil)
		},
	}
	db = addDBFlag(cmd)
	f.register(cmd)
	cmd.Flags().StringVar(&f.metricsAddr, "metrics-addr", "127.0.0.1:9090",
		`serve /metrics and /healthz on this address, apart from the console; "" for neither (they have no authentication: keep them on loopback or behind a proxy)`)
	return cmd
}

func (f *serveFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fl.BoolVar(&f.insecureListen, "insecure-listen", false, "allow listening beyond loopback without TLS")
	fl.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the session cookie Secure without --tls-cert (behind a TLS-terminating proxy)")
	fl.DurationVar(&f.sessionTTL, "session-ttl", 12*time.Hour, "how long a console login lasts")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fl.StringVar(&f.reportDir, "report-dir", "", "serve report.html of the scheduled reports written inside this directory (the scheduler's --report-dir)")
	fl.IntVar(&f.explainCache, "explain-cache", runsnappg.DefaultExplainCache,
		"kept runs held prepared for task explanations, the newest of each partition prepared at start and as they are kept (memory grows with each run's size)")
}

// validate checks the TLS pair and refuses a plaintext listener beyond
// loopback.
func (f *serveFlags) validate() error {
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usageErrorf("give both --tls-cert and --tls-key, or neither")
	}
	if f.sessionTTL <= 0 {
		return usageErrorf("--session-ttl must be positive")
	}
	if f.explainCache < 1 {
		return usageErrorf("--explain-cache must be at least 1")
	}
	if f.tlsCert == "" && !f.insecureListen && !isLoopback(f.addr) {
		return usageErrorf("--addr %s is not a loopback address: serve it with --tls-cert and --tls-key, "+
			"or pass --insecure-listen when a TLS proxy on this host fronts it", f.addr)
	}
	return nil
}

// isLoopback reports whether addr (host:port) listens on a loopback
// address only: its host is a loopback address or "localhost"; an empty
// host (all interfaces) is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newLogger(stderr io.Writer, level, dsn string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(redactHandler{h: slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l}), secrets: dsnSecrets(dsn)}), nil
}

// serveConsole serves the console over store on f.addr until ctx ends,
// then shuts down gracefully; with f.metricsAddr, /metrics and /healthz
// listen there (serveMetrics, as for schedule), never beside the console.
// ready, when not nil, receives the URL the server listens on. explain
// explains tasks on their pages (nil: none).
func serveConsole(ctx context.Context, f serveFlags, store console.Store, explain console.ExplainFunc, logger *slog.Logger, stderr io.Writer, ready chan<- string) error {
	srv, err := console.New(console.Options{Store: store, Logger: logger, SessionTTL: f.sessionTTL,
		SecureCookies: f.tlsCert != "" || f.secureCookies, Version: buildVersion(), Explain: explain, ReportDir: f.reportDir})
	if err != nil {
		return err
	}
	if f.metricsAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		ms, err := serveMetrics(f.metricsAddr, reg, &healthState{log: logger}, logger)
		if err != nil {
			return err
		}
		defer ms.shutdown()
		fmt.Fprintf(stderr, "paidan: metrics at http://%s/metrics\n", ms.addr)
		if !isLoopback(ms.addr) {
			logger.Warn("/metrics and /healthz are served without authentication on a non-loopback address", "addr", ms.addr)
		}
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	if c, ok := store.(io.Closer); ok {
		hs.RegisterOnShutdown(func() { c.Close() }) // ends the worker streams, which never go idle
	}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(stderr, "paidan: console at %s/ (API reference %s/api/v1/openapi.json)\n", url, url)
	if ready != nil {
		ready <- url
	}
	done := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			done <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			done <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "paidan: shutting down the console")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
