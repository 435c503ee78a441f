package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token (create|revoke|list)",
		Short: "Manage API tokens (PostgreSQL)",
		Long: `Token manages bearer tokens for the JSON API of 'paidan serve'. A token
belongs to an account, is scoped to a role no higher than the account's
(the lower of the two applies), expires, and can be revoked. It is printed
once, on stdout, at creation; the database keeps only its SHA-256. Use it
as:

    curl -H "Authorization: Bearer pdn_…" http://127.0.0.1:8080/api/v1/runs

Every creation and revocation is written to paidan.audit.`,
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
		account, name, role string
		ttl                 time.Duration
	)
	create := &cobra.Command{Use: "create --account LOGIN --name NAME --role ROLE [--ttl 720h]", Short: "Create a token and print it once",
		Args: noArgs}
	fl := create.Flags()
	fl.StringVar(&account, "account", "", "the account the token acts for (required)")
	fl.StringVar(&name, "name", "", "what the token is for, e.g. bi-export (required)")
	fl.StringVar(&role, "role", "viewer", "viewer, planner or admin; at most the account's role")
	fl.DurationVar(&ttl, "ttl", 30*24*time.Hour, "lifetime")
	withStore(create, func(ctx context.Context, st *consolepg.Store) error {
		if account == "" || name == "" {
			return usageErrorf("--account and --name are required")
		}
		r, err := console.ParseRole(role)
		if err != nil {
			return usageErrorf("--role: %v", err)
		}
		tok, t, err := console.IssueToken(ctx, st, shellActor(), console.NewTokenSpec{Account: account, Name: name, Role: r, TTL: ttl}, time.Now())
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintln(create.OutOrStdout(), tok)
		fmt.Fprintf(create.ErrOrStderr(), "paidan: token %d (%s, role %s, account %s) expires %s; it is shown once\n",
			t.ID, t.Name, t.Role, t.Account, t.ExpiresAt.UTC().Format(time.RFC3339))
		return nil
	})
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke a token", Args: cobra.ExactArgs(1)}
	withStore(revoke, func(ctx context.Context, st *consolepg.Store) error {
		id, err := strconv.ParseInt(revoke.Flags().Arg(0), 10, 64)
		if err != nil {
			return usageErrorf("token id %q: want the number 'paidan token list' shows", revoke.Flags().Arg(0))
		}
		t, err := st.RevokeToken(ctx, shellActor(), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(revoke.ErrOrStderr(), "paidan: token %d (%s) revoked\n", t.ID, t.Name)
		return nil
	})
	list := &cobra.Command{Use: "list", Short: "List tokens (never the tokens themselves)", Args: noArgs}
	withStore(list, func(ctx context.Context, st *consolepg.Store) error {
		ts, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(list.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tACCOUNT\tNAME\tROLE\tPREFIX\tEXPIRES\tREVOKED")
		for _, t := range ts {
			revoked := ""
			if t.RevokedAt != nil {
				revoked = t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.Account, t.Name, t.Role, t.Prefix,
				t.ExpiresAt.UTC().Format(time.RFC3339), revoked)
		}
		return w.Flush()
	})
	cmd.AddCommand(create, revoke, list)
	return cmd
}
