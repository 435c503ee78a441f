package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/internal/pgschema"
)

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate up|down|status",
		Short: "Apply, roll back or list paidan's PostgreSQL schema migrations",
		Long: `migrate manages the "paidan" schema with paidan's embedded migrations.

  up      apply every pending migration
  down    roll back the latest applied migration
  status  list every migration and whether it is applied

The database is --db, or $` + envDatabaseURL + ` when --db is not given. Run it as
the role that should own the schema.`,
		ValidArgs: []string{"up", "down", "status"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("migrate takes one of up, down, status")
			}
			switch args[0] {
			case "up", "down", "status":
				return nil
			}
			return usageErrorf("migrate: unknown action %q; want up, down or status", args[0])
		},
	}
	dsn := addDBFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		db, err := openDB(ctx, *dsn)
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
			applied, err := m.Up(ctx)
			if err != nil {
				return err
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
		}
		return nil
	}
	return cmd
}
