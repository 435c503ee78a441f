package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/internal/pgschema"
)

func newMigrateCmd() *cobra.Command {
	var o pgschema.SafeOptions
	cmd := &cobra.Command{
		Use:   "migrate up|down|status|plan",
		Short: "Apply, roll back, list or preview paidan's PostgreSQL schema migrations",
		Long: `migrate manages the "paidan" schema with paidan's embedded migrations.

  up      apply every pending migration, one at a time, with lock_timeout
          and statement_timeout set on the session; a migration that waits
          longer than --lock-timeout for a lock rolls back and is retried
          after a backoff (each retry is logged on stderr), so the write-back
          and the business systems never queue behind it for longer
  down    roll back the latest applied migration
  status  list every migration and whether it is applied
  plan    print what each pending migration does (its leading comment) and
          the lock each of its statements takes; see the README's Upgrades
          section for the classification

The database is --db, or $` + envDatabaseURL + ` when --db is not given. Run it as
the role that should own the schema. This binary supports schema versions ` +
			fmt.Sprint(pgschema.MinSchema) + `-` + fmt.Sprint(pgschema.MaxSchema) + `; every other command refuses a
database outside that window.`,
		ValidArgs: []string{"up", "down", "status", "plan"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("migrate takes one of up, down, status, plan")
			}
			switch args[0] {
			case "up", "down", "status", "plan":
				return nil
			}
			return usageErrorf("migrate: unknown action %q; want up, down, status or plan", args[0])
		},
	}
	dsn := addDBFlag(cmd)
	fl := cmd.Flags()
	fl.DurationVar(&o.LockTimeout, "lock-timeout", 2*time.Second, "longest wait of one migration statement for a lock before the migration rolls back and is retried")
	fl.DurationVar(&o.StatementTimeout, "statement-timeout", 10*time.Minute, "longest run of one migration statement")
	fl.IntVar(&o.Attempts, "attempts", 10, "tries of a migration that keeps timing out on a lock")
	fl.DurationVar(&o.Backoff, "backoff", time.Second, "wait after the first lock timeout, doubling after each further one")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if o.LockTimeout <= 0 || o.StatementTimeout <= 0 || o.Backoff <= 0 || o.Attempts <= 0 {
			return usageErrorf("--lock-timeout, --statement-timeout, --backoff and --attempts must be positive")
		}
		ctx := cmd.Context()
		db, err := openDBForMigration(ctx, *dsn, o.SessionSettings())
		if err != nil {
			return err
		}
		defer db.Close()
		m, err := pgschema.New(db.DB)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		switch args[0] {
		case "up":
			o.Logger = slog.New(redactHandler{
				h:       slog.NewTextHandler(cmd.ErrOrStderr(), nil),
				secrets: dsnSecrets(dsnOf(*dsn)),
			})
			applied, err := m.UpSafely(ctx, o)
			if err != nil {
				return scrub(err, dsnOf(*dsn))
			}
			v, err := m.Version(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "applied %d migration(s); schema version %d\n", len(applied), v)
		case "down":
			v, err := m.Down(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "rolled back migration %d\n", v)
		case "status":
			st, err := m.Status(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
			for _, s := range st {
				at := "-"
				if !s.AppliedAt.IsZero() {
					at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, at, s.Source.Path)
			}
			return tw.Flush()
		case "plan":
			v, err := m.Version(ctx)
			if err != nil {
				return err
			}
			steps, err := pgschema.Plan(v)
			if err != nil {
				return err
			}
			return printPlan(out, v, steps, o.LockTimeout)
		}
		return nil
	}
	return cmd
}

// printPlan writes the pending migrations, what each does and the locks
// its statements take.
func printPlan(w io.Writer, from int64, steps []pgschema.Step, lockTimeout time.Duration) error {
	if len(steps) == 0 {
		_, err := fmt.Fprintf(w, "schema version %d: nothing to apply\n", from)
		return err
	}
	fmt.Fprintf(w, "schema version %d: %d migration(s) to apply; each statement waits at most %s for its lock\n",
		from, len(steps), lockTimeout)
	for _, s := range steps {
		tx := "one transaction"
		if !s.InTx {
			tx = "no transaction"
		}
		fmt.Fprintf(w, "\n%05d %s (%s)\n", s.Version, s.File, tx)
		for _, l := range strings.Split(s.About, "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  STATEMENT\tTABLE\tLOCK\tBLOCKS")
		for _, st := range s.Locks {
			table := st.Table
			if table == "" {
				table = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", st.Kind, table, st.Lock, st.Blocks)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
