package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
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
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// runnerFlags are the flags shared by run and schedule.
type runnerFlags struct {
	db          *string
	partitions  []string
	rules       string
	exportDir   string
	exportMode  string // octal file mode of exports
	exportDMode string // octal directory mode of exports
	keepExports int
	exportAge   time.Duration
	keepInputs  int
	logLevel    string
}

func (f *runnerFlags) register(cmd *cobra.Command) {
	f.db = addDBFlag(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.partitions, "partition", nil, "partition to run (repeatable; default: every partition with pending tasks)")
	fl.StringVar(&f.rules, "rules", "", "rules file (default: the built-in rules)")
	fl.StringVar(&f.exportDir, "export-dir", "", "export every applied run as Parquet under DIR/date=YYYY-MM-DD/run=ID/")
	fl.StringVar(&f.exportMode, "export-file-mode", "0640", "permission of exported files (octal)")
	fl.StringVar(&f.exportDMode, "export-dir-mode", "0750", "permission of the export's date= and run= directories (octal)")
	fl.IntVar(&f.keepExports, "keep-exports", 0, "after each export keep only the newest N runs under --export-dir (0: all)")
	fl.DurationVar(&f.exportAge, "export-max-age", 0, "after each export remove runs exported longer ago than D, e.g. 720h (0: never)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug (every stage), info, warn or error")
	fl.IntVar(&f.keepInputs, "keep-inputs", runsnappg.DefaultKeep, "keep each applied run's input snapshot and plan in paidan.run_input, for the newest N runs of each partition (paidan export --run ID, paidan verify; the console's task explanations); 0 keeps none")
}

// dsn returns the DSN the flags name, for redaction.
func (f *runnerFlags) dsn() string {
	return dsnOf(*f.db)
}

// newRunner wires a jobs.Runner over a database pool that has not
// connected yet (the caller pings it: run once, schedule until it
// answers), with its metrics registered in reg (nil: none) and its logs,
// as text with any DSN password removed, on stderr.
func (f *runnerFlags) newRunner(stderr io.Writer, reg prometheus.Registerer) (*jobs.Runner, *sqlx.DB, error) {
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
	hive, err := f.exporter()
	if err != nil {
		return nil, nil, err
	}
	if f.keepInputs < 0 {
		return nil, nil, usageErrorf("--keep-inputs %d: want 0 (keep none) or more", f.keepInputs)
	}
	db, err := prepareDB(*f.db)
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
	if hive != nil {
		r.Exporter = hive
	}
	if f.keepInputs > 0 {
		r.Inputs = &runsnappg.Keeper{DB: db, Keep: f.keepInputs, Version: buildVersion()}
	}
	if reg != nil {
		if r.Metrics, err = jobs.NewMetrics(reg, jobs.WithBacklog(backlogSource(db)), jobs.WithUsageRecorder(usageRecorder(db)),
			jobs.WithMaintenance(&jobspg.Maintenance{DB: db}, nil)); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	return r, db, nil
}

// exporter returns the Parquet exporter the flags describe, nil without
// --export-dir.
func (f *runnerFlags) exporter() (*jobsparquet.Hive, error) {
	fileMode, err := parseMode("--export-file-mode", f.exportMode)
	if err != nil {
		return nil, err
	}
	dirMode, err := parseMode("--export-dir-mode", f.exportDMode)
	if err != nil {
		return nil, err
	}
	if f.keepExports < 0 || f.exportAge < 0 {
		return nil, usageErrorf("--keep-exports and --export-max-age must not be negative")
	}
	if f.exportDir == "" {
		if f.keepExports > 0 || f.exportAge > 0 {
			return nil, usageErrorf("--keep-exports and --export-max-age need --export-dir")
		}
		return nil, nil
	}
	return &jobsparquet.Hive{Root: f.exportDir, Options: parquet.Options{Version: buildVersion()},
		FileMode: fileMode, DirMode: dirMode, Keep: f.keepExports, MaxAge: f.exportAge}, nil
}

// parseMode parses an octal permission such as 0640: owner bits must
// allow what paidan needs (rw for files, rwx for directories are checked
// by the write itself), and nothing beyond the permission bits.
func parseMode(flag, s string) (fs.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m == 0 || m > 0o777 {
		return 0, usageErrorf("%s %q: want an octal permission such as 0640", flag, s)
	}
	return fs.FileMode(m), nil
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
