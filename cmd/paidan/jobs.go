package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/ingest/file"
	"github.com/paidan/paidan/jobs"
	jobsparquet "github.com/paidan/paidan/jobs/parquet"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// runnerFlags are the flags shared by run and schedule.
type runnerFlags struct {
	db         *string
	partitions []string
	rules      string
	exportDir  string
	logLevel   string
}

func (f *runnerFlags) register(cmd *cobra.Command) {
	f.db = addDBFlag(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.partitions, "partition", nil, "partition to run (repeatable; default: every partition with pending tasks)")
	fl.StringVar(&f.rules, "rules", "", "rules file (default: the built-in rules)")
	fl.StringVar(&f.exportDir, "export-dir", "", "export every applied run as Parquet under DIR/date=YYYY-MM-DD/run=ID/")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug (every stage), info, warn or error")
}

// dsn returns the DSN the flags name, for redaction.
func (f *runnerFlags) dsn() string {
	return dsnOf(*f.db)
}

// dsnOf returns flag, or $PAIDAN_DATABASE_URL when flag is empty.
func dsnOf(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(envDatabaseURL)
}

// newRunner connects to the database and wires a jobs.Runner over it, with
// its metrics registered in reg (nil: none) and its logs, as text with any
// DSN password removed, on stderr.
func (f *runnerFlags) newRunner(ctx context.Context, stderr io.Writer, reg prometheus.Registerer) (*jobs.Runner, *sqlx.DB, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, nil, usageErrorf("--log-level %q: want debug, info, warn or error", f.logLevel)
	}
	rules := paidan.DefaultRules()
	if f.rules != "" {
		var err error
		if rules, err = file.LoadRules(f.rules); err != nil {
			return nil, nil, fmt.Errorf("load rules: %w", err)
		}
	}
	logger := slog.New(redactHandler{
		h:       slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}),
		secrets: dsnSecrets(f.dsn()),
	})
	db, err := openDB(ctx, *f.db)
	if err != nil {
		return nil, nil, err
	}
	// One connection holds the partition lock while another loads and
	// writes back; a few spare for lookups after a failure.
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	// The writer writes each run on the connection holding its lock.
	locker := &jobspg.Locker{DB: db}
	r := &jobs.Runner{
		Source: &jobspg.Source{DB: db},
		Writer: &jobspg.Writer{DB: db, Locker: locker},
		Locker: locker,
		Rules:  rules,
		Logger: logger,
	}
	if f.exportDir != "" {
		r.Exporter = &jobsparquet.Hive{Root: f.exportDir, Options: parquet.Options{Version: buildVersion()}}
	}
	if reg != nil {
		if r.Metrics, err = jobs.NewMetrics(reg); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	return r, db, nil
}

// printResults writes one line per run to w.
func printResults(w io.Writer, results []*jobs.Result) {
	for _, res := range results {
		fmt.Fprintf(w, "%s\t%s\t%s", res.Partition, res.RunID, res.Status)
		switch {
		case res.Status == paidan.RunSkipped:
			fmt.Fprintf(w, "\t%s", res.Reason)
		case res.Status == paidan.RunApplied:
			unassigned := 0
			for _, n := range res.Unassigned {
				unassigned += n
			}
			fmt.Fprintf(w, "\tassigned %d\tconflicts %d\tunassigned %d\tpoisoned %d", res.Assigned, len(res.Conflicts), unassigned, len(res.Poisoned))
			if res.ExportDir != "" {
				fmt.Fprintf(w, "\t%s", res.ExportDir)
			}
		}
		fmt.Fprintln(w)
	}
}

// redactHandler removes secrets (the DSN's passwords) from every log
// record's message and attributes before passing it on.
type redactHandler struct {
	h       slog.Handler
	secrets secrets
}

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.clean(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return redactHandler{h: r.h.WithAttrs(clean), secrets: r.secrets}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h: r.h.WithGroup(name), secrets: r.secrets}
}

func (r redactHandler) clean(s string) string { return r.secrets.hide(s) }

// attr returns a with the secret removed from its value; values other
// than strings, numbers, times and groups are formatted first.
func (r redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindString:
		return slog.String(a.Key, r.clean(v.String()))
	case slog.KindAny:
		return slog.String(a.Key, r.clean(fmt.Sprint(v.Any())))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
