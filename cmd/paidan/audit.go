package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
)

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit list [--actor A] [--action X] [--limit N]",
		Short: "Read the audit trail (PostgreSQL)",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	db := addPersistentDBFlag(cmd)
	var f console.AuditFilter
	list := &cobra.Command{
		Use:   "list [--actor A] [--action X] [--limit N]",
		Short: "Print audit entries, newest first, one a line",
		Long: `List prints paidan.audit newest first, tab-separated: id, time (UTC),
actor, address, action, target, before and after (JSON). Actors are
account:LOGIN, token:ID:LOGIN, shell:USER or anonymous (failed logins).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			es, err := (&consolepg.Store{DB: conn}).Audit(ctx, f)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			for _, e := range es {
				fmt.Fprintf(c.OutOrStdout(), "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.UTC().Format(time.RFC3339Nano),
					e.Actor, e.Address, e.Action, e.Target, orNull(e.Before), orNull(e.After))
			}
			return nil
		},
	}
	list.Flags().StringVar(&f.Actor, "actor", "", "only this actor, e.g. account:ada")
	list.Flags().StringVar(&f.Action, "action", "", "only this action, e.g. login.failure")
	list.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries")
	cmd.AddCommand(list)
	return cmd
}

func orNull(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}
