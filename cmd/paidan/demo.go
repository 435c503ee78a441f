package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
	"github.com/paidan/paidan/datasets"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
	"github.com/paidan/paidan/internal/pgbusiness"
	"github.com/paidan/paidan/internal/pgcluster"
	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

func newDemoCmd() *cobra.Command {
	var (
		f       serveFlags
		every   time.Duration
		tasks   int
		arrive  int
		seed    uint64
		cycles  int
		adminID string
	)
	cmd := &cobra.Command{
		Use:   "demo [--addr 127.0.0.1:8080] [--every 5s] [--tasks 2000]",
		Short: "Run the whole product on this machine against a simulated business",
		Long: `Demo shows the whole product with nothing but PostgreSQL's server
binaries installed: it starts a throwaway PostgreSQL cluster (in a
temporary directory; as the postgres or nobody user when run as root),
migrates it, seeds a generated city (two partitions, metro and harbour),
creates the admin account (login --admin, default admin) with a one-time
password printed once on stdout, serves the console on --addr (loopback
only), and every --every runs the scheduler against a simulated business:
new tasks arrive, assigned ones are completed, some pending ones are
cancelled, workers' shifts start and end. Partitions paused in the console
are skipped. Ctrl-C stops everything and removes the cluster's files.

--cycles N stops after N scheduler cycles (0: until interrupted).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if every <= 0 || tasks < 0 || arrive < 0 || cycles < 0 {
				return usageErrorf("--every must be positive; --tasks, --arrive and --cycles must not be negative")
			}
			if !isLoopback(f.addr) {
				return usageErrorf("--addr %s: the demo serves on a loopback address only", f.addr)
			}
			return runDemo(cmd.Context(), demoOptions{serve: f, every: every, tasks: tasks, arrive: arrive, seed: seed,
				cycles: cycles, admin: adminID}, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.DurationVar(&every, "every", 5*time.Second, "run the scheduler every D")
	fl.IntVar(&tasks, "tasks", 2000, "tasks of the generated city at the start")
	fl.IntVar(&arrive, "arrive", 60, "new tasks arriving per cycle")
	fl.Uint64Var(&seed, "seed", 1, "random seed of the generated city")
	fl.IntVar(&cycles, "cycles", 0, "stop after this many cycles (0: until interrupted)")
	fl.StringVar(&adminID, "admin", "admin", "login of the admin account")
	return cmd
}

type demoOptions struct {
	serve  serveFlags
	every  time.Duration
	tasks  int
	arrive int
	seed   uint64
	cycles int
	admin  string
}

// demoPartitions are the partitions of the generated city and the share
// of its tasks each gets.
var demoPartitions = map[string]int{"metro": 4, "harbour": 1}

func runDemo(ctx context.Context, o demoOptions, stdout, stderrw io.Writer) (err error) {
	// The scheduler loop, the console and their loggers all write to
	// stderr at once.
	stderr := &syncWriter{w: stderrw}
	fmt.Fprintln(stderr, "paidan demo: starting a throwaway PostgreSQL")
	pg, err := pgcluster.Start()
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := pg.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
		fmt.Fprintf(stderr, "paidan demo: stopped PostgreSQL and removed %s\n", pg.Dir())
	}()
	dsn := pg.URL()
	db, err := openDBForMigration(ctx, dsn, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := pgschema.New(db.DB)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	names := slices.Sorted(maps.Keys(demoPartitions))
	for i, part := range names {
		b := datasets.Generate(datasets.GenOptions{Tasks: o.tasks * demoPartitions[part] / 5, Seed: o.seed + uint64(i), AsOf: now,
			IDPrefix: part + "-"})
		b.Partition = part
		if _, err := ingestpg.Seed(ctx, db, b, ingestpg.SeedOptions{}); err != nil {
			return fmt.Errorf("seed partition %s: %w", part, err)
		}
		fmt.Fprintf(stderr, "paidan demo: partition %s: %d tasks, %d workers\n", part, len(b.Tasks), len(b.Workers))
	}
	store := &consolepg.Store{DB: db}
	pw := console.GeneratePassword()
	if _, err := console.CreateAccount(ctx, store, shellActor(), console.NewAccount{Login: o.admin, DisplayName: "Demo admin",
		Role: console.RoleAdmin, Password: pw}, console.DefaultArgon2()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "login: %s\npassword: %s\n", o.admin, pw)
	fmt.Fprintln(stderr, "paidan demo: the password above is shown once; more accounts: paidan account create --db "+redactDSN(dsn))

	rf := runnerFlags{db: &dsn, logLevel: "warn", exportMode: "0640", exportDMode: "0750", keepInputs: runsnappg.DefaultKeep}
	r, rdb, err := rf.newRunner(stderr, nil)
	if err != nil {
		return err
	}
	defer rdb.Close()
	logger, err := newLogger(stderr, o.serve.logLevel, dsn)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	explain := explainFromKeptRuns(ctx, db, dsn, o.serve.explainCache, logger)
	go func() { served <- serveConsole(ctx, o.serve, store, explain, logger, stderr, nil) }()

	reqs := newRunRequests(rdb)
	defer reqs.Forget(context.WithoutCancel(ctx))
	biz := &pgbusiness.Business{DB: db, DoneFraction: 0.25, CancelFraction: 0.01, ShiftFraction: 0.03}
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	for cycle := 1; ; cycle++ {
		if err := demoCycle(ctx, cycle, o, r, biz, reqs, stderr); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "paidan demo: cycle %d: %v\n", cycle, err)
		}
		if o.cycles > 0 && cycle >= o.cycles {
			stop()
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(stderr, "paidan demo: stopping")
			return <-served
		case err := <-served:
			return err
		case <-tick.C:
		}
	}
}

// demoCycle is one round of the simulated business and the scheduler:
// tasks arrive, the business moves tasks and shifts on, and every
// partition with pending tasks is planned; the runner leaves out those
// paused in the console and logs each pause and resume once.
func demoCycle(ctx context.Context, cycle int, o demoOptions, r *jobs.Runner, biz *pgbusiness.Business,
	reqs *jobspg.Requests, stderr io.Writer) error {
	if cycle > 1 {
		changes, err := biz.Step(ctx)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, part := range slices.Sorted(maps.Keys(demoPartitions)) {
			n := o.arrive * demoPartitions[part] / 5
			b := datasets.Generate(datasets.GenOptions{Tasks: n, Workers: 1, Seed: o.seed + uint64(1000*cycle+i), AsOf: now,
				IDPrefix: fmt.Sprintf("%s-c%d-", part, cycle)})
			b.Partition, b.Workers = part, nil
			for j := range b.Tasks {
				b.Tasks[j].PinnedWorker, b.Tasks[j].PreviousWorker = "", ""
			}
			if _, err := ingestpg.Seed(ctx, biz.DB, b, ingestpg.SeedOptions{}); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "paidan demo: cycle %d: %d done, %d cancelled, %d shifts ended, %d started, new tasks arrived\n",
			cycle, changes.Done, changes.Cancelled, changes.ShiftsEnded, changes.ShiftsStarted)
	}
	// Runs requested in the console ("Run now") are served by this cycle.
	requested, err := reqs.Claim(ctx, nil)
	if err != nil {
		return err
	}
	results, err := r.RunAll(ctx)
	for _, res := range results {
		if res.Status == paidan.RunApplied {
			fmt.Fprintf(stderr, "paidan demo: cycle %d: %s: run %s assigned %d\n", cycle, res.Partition, res.RunID, res.Assigned)
		}
	}
	finishDemoRequests(ctx, reqs, requested, results, stderr)
	if berr := reqs.Beat(ctx, nil, time.Now().Add(o.every)); berr != nil {
		fmt.Fprintf(stderr, "paidan demo: heartbeat: %v\n", berr)
	}
	return err
}

// finishDemoRequests records how each requested partition's run of this
// cycle ended; a partition the cycle did not run was paused or had
// nothing pending.
func finishDemoRequests(ctx context.Context, reqs *jobspg.Requests, requested []jobs.RunRequest, results []*jobs.Result, stderr io.Writer) {
	for _, req := range requested {
		runID, outcome := "", "skipped: paused, or nothing pending"
		for _, res := range results {
			if res.Partition == req.Partition {
				if res.Recorded {
					runID = res.RunID
				}
				outcome = res.Outcome()
			}
		}
		if err := reqs.Done(context.WithoutCancel(ctx), req, runID, outcome); err != nil {
			fmt.Fprintf(stderr, "paidan demo: run request %d: %v\n", req.ID, err)
		}
	}
}

// syncWriter serializes writes to w from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
