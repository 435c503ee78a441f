package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
)

func newAccountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account (create|set-role|disable|enable|reset-password|list)",
		Short: "Manage the console's accounts (PostgreSQL)",
		Long: `Account manages who may use the console and the API ('paidan serve').
Roles: viewer (reads everything but the audit trail and accounts), planner
(also pins tasks and pauses partitions' schedules), admin (also reads the
audit trail and the accounts). Every change is written to paidan.audit with
the actor shell:<your user name>.

Create the first admin from the shell:

    paidan account create ada --role admin --name "Ada Lovelace"

A new password is generated and printed once on stdout unless
--password-stdin reads one (at least 12 characters) from the first line of
standard input.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var db *string
	withStore := func(c *cobra.Command, fn func(ctx context.Context, st *consolepg.Store, by console.Actor) error) {
		c.RunE = func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := fn(ctx, &consolepg.Store{DB: conn}, shellActor()); err != nil {
				return scrub(err, dsnOf(*db))
			}
			return nil
		}
	}
	var (
		role, name  string
		pwFromStdin bool
	)
	create := &cobra.Command{Use: "create LOGIN --role ROLE [--name NAME] [--password-stdin]", Short: "Create an account",
		Args: cobra.ExactArgs(1)}
	create.Flags().StringVar(&role, "role", "", "viewer, planner or admin (required)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().BoolVar(&pwFromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	withStore(create, func(ctx context.Context, st *consolepg.Store, by console.Actor) error {
		r, err := console.ParseRole(role)
		if err != nil {
			return usageErrorf("--role: %v", err)
		}
		pw, generated, err := password(create.InOrStdin(), pwFromStdin)
		if err != nil {
			return err
		}
		login := create.Flags().Arg(0)
		a, err := console.CreateAccount(ctx, st, by, console.NewAccount{Login: login, DisplayName: name, Role: r, Password: pw},
			console.DefaultArgon2())
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintf(create.ErrOrStderr(), "paidan: account %s created with role %s\n", a.Login, a.Role)
		if generated {
			fmt.Fprintf(create.OutOrStdout(), "%s\n", pw)
			fmt.Fprintln(create.ErrOrStderr(), "paidan: the password above is shown once; give it to its owner")
		}
		return nil
	})
	create.Args = cobra.ExactArgs(1)

	setRole := &cobra.Command{Use: "set-role LOGIN ROLE", Short: "Change an account's role", Args: cobra.ExactArgs(2)}
	withStore(setRole, func(ctx context.Context, st *consolepg.Store, by console.Actor) error {
		r, err := console.ParseRole(setRole.Flags().Arg(1))
		if err != nil {
			return usageErrorf("%v", err)
		}
		a, err := st.UpdateAccount(ctx, by, setRole.Flags().Arg(0), console.AccountChange{Role: &r})
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintf(setRole.ErrOrStderr(), "paidan: account %s now has role %s\n", a.Login, a.Role)
		return nil
	})

	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		c := &cobra.Command{Use: use + " LOGIN", Short: short, Args: cobra.ExactArgs(1)}
		withStore(c, func(ctx context.Context, st *consolepg.Store, by console.Actor) error {
			a, err := st.UpdateAccount(ctx, by, c.Flags().Arg(0), console.AccountChange{Disabled: &disabled})
			if err != nil {
				return accountError(err)
			}
			fmt.Fprintf(c.ErrOrStderr(), "paidan: account %s %sd\n", a.Login, use)
			return nil
		})
		return c
	}

	var resetFromStdin bool
	reset := &cobra.Command{Use: "reset-password LOGIN [--password-stdin]", Short: "Set a new password and end the account's sessions",
		Args: cobra.ExactArgs(1)}
	reset.Flags().BoolVar(&resetFromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	withStore(reset, func(ctx context.Context, st *consolepg.Store, by console.Actor) error {
		pw, generated, err := password(reset.InOrStdin(), resetFromStdin)
		if err != nil {
			return err
		}
		if err := console.ResetPassword(ctx, st, by, reset.Flags().Arg(0), pw, console.DefaultArgon2()); err != nil {
			return accountError(err)
		}
		if generated {
			fmt.Fprintf(reset.OutOrStdout(), "%s\n", pw)
			fmt.Fprintln(reset.ErrOrStderr(), "paidan: the password above is shown once; give it to its owner")
		}
		return nil
	})

	list := &cobra.Command{Use: "list", Short: "List accounts: login, role, disabled, name, updated", Args: noArgs}
	withStore(list, func(ctx context.Context, st *consolepg.Store, _ console.Actor) error {
		as, err := st.Accounts(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(list.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "LOGIN\tROLE\tDISABLED\tNAME\tUPDATED")
		for _, a := range as {
			fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\n", a.Login, a.Role, a.Disabled, a.DisplayName, a.UpdatedAt.UTC().Format(time.RFC3339))
		}
		return w.Flush()
	})
	cmd.AddCommand(create, setRole, setDisabled("disable", "Disable an account and end its sessions", true),
		setDisabled("enable", "Enable a disabled account", false), reset, list)
	db = addPersistentDBFlag(cmd)
	return cmd
}

// addPersistentDBFlag adds --db to cmd and its subcommands.
func addPersistentDBFlag(cmd *cobra.Command) *string {
	dsn := new(string)
	cmd.PersistentFlags().StringVar(dsn, "db", "",
		"PostgreSQL DSN, e.g. postgres://user:pass@host/db?sslmode=disable (default $"+envDatabaseURL+")")
	return dsn
}

// shellActor is who the account and token commands act as in the audit
// trail: shell:<the operating system user>.
func shellActor() console.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return console.Actor{Name: "shell:" + name}
}

// password reads a password from the first line of in, or generates one.
func password(in io.Reader, fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return console.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	pw = strings.TrimRight(line, "\r\n")
	if err := console.CheckPassword(pw); err != nil {
		return "", false, usageErrorf("%v", err)
	}
	return pw, false, nil
}

// accountError makes input errors usage errors.
func accountError(err error) error {
	if errors.Is(err, console.ErrInvalidInput) || errors.Is(err, console.ErrInvalidRole) || errors.Is(err, console.ErrWeakPassword) {
		return usageErrorf("%v", err)
	}
	return err
}
