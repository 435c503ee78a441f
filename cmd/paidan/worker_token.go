package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
)

func newWorkerTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker-token (issue|list|revoke)",
		Short: "Manage the tokens of worker apps' assignment streams (PostgreSQL)",
		Long: `Worker-token manages the bearer tokens with which a worker's app reads its
assignment stream from 'paidan serve' (see README, "A worker's stream"):

    curl -N -H "Authorization: Bearer pdw_…" \
        https://console.example.com/api/v1/workers/W17/assignments

A worker token reads the stream of the one worker it was issued for and
nothing else: no other worker's stream, no other API route. It is printed
once, on stdout, at issue; the database keeps only its SHA-256. It expires
and can be revoked; a revoked token's open streams end at their next
heartbeat. Every issue and revocation is written to paidan.audit with the
actor shell:<your user name>. Connect as a role with paidan_console's
privileges (or the schema owner).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	db := addPersistentDBFlag(cmd)
	withStore := func(c *cobra.Command, fn func(ctx context.Context, st *consolepg.Store) error) {
		c.RunE = func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := fn(ctx, &consolepg.Store{DB: conn}); err != nil {
				return scrub(err, dsnOf(*db))
			}
			return nil
		}
	}
	var (
		worker, name string
		ttl          time.Duration
	)
	issue := &cobra.Command{Use: "issue --worker ID --name NAME [--ttl 8760h]", Short: "Issue a worker's token and print it once",
		Args: noArgs}
	fl := issue.Flags()
	fl.StringVar(&worker, "worker", "", "the worker whose stream the token reads (required)")
	fl.StringVar(&name, "name", "", "what the token is for, e.g. the app install (required)")
	fl.DurationVar(&ttl, "ttl", 365*24*time.Hour, "lifetime")
	withStore(issue, func(ctx context.Context, st *consolepg.Store) error {
		if worker == "" || name == "" {
			return usageErrorf("--worker and --name are required")
		}
		tok, t, err := console.IssueWorkerToken(ctx, st, shellActor(), console.NewWorkerTokenSpec{Worker: worker, Name: name, TTL: ttl}, time.Now())
		if errors.Is(err, console.ErrNotFound) {
			return usageErrorf("%v", err)
		}
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintln(issue.OutOrStdout(), tok)
		fmt.Fprintf(issue.ErrOrStderr(), "paidan: worker token %d (%s, worker %s) expires %s; it is shown once\n",
			t.ID, t.Name, t.Worker, t.ExpiresAt.UTC().Format(time.RFC3339))
		return nil
	})
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke a worker token", Args: cobra.ExactArgs(1)}
	withStore(revoke, func(ctx context.Context, st *consolepg.Store) error {
		id, err := strconv.ParseInt(revoke.Flags().Arg(0), 10, 64)
		if err != nil {
			return usageErrorf("worker token id %q: want the number 'paidan worker-token list' shows", revoke.Flags().Arg(0))
		}
		t, err := st.RevokeWorkerToken(ctx, shellActor(), id)
		if errors.Is(err, console.ErrNotFound) || errors.Is(err, console.ErrConflict) {
			return usageErrorf("%v", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(revoke.ErrOrStderr(), "paidan: worker token %d (%s, worker %s) revoked\n", t.ID, t.Name, t.Worker)
		return nil
	})
	list := &cobra.Command{Use: "list", Short: "List worker tokens (never the tokens themselves)", Args: noArgs}
	withStore(list, func(ctx context.Context, st *consolepg.Store) error {
		ts, err := st.WorkerTokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(list.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tWORKER\tNAME\tPREFIX\tISSUED BY\tEXPIRES\tREVOKED")
		for _, t := range ts {
			revoked := ""
			if t.RevokedAt != nil {
				revoked = t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Worker, t.Name, t.Prefix, t.CreatedBy,
				t.ExpiresAt.UTC().Format(time.RFC3339), revoked)
		}
		return w.Flush()
	})
	cmd.AddCommand(issue, list, revoke)
	return cmd
}
