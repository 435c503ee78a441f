package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/paidan/paidan/backup"
	exportpg "github.com/paidan/paidan/export/postgres"
	ledgerpg "github.com/paidan/paidan/ledger/postgres"
)

func newRestoreCmd() *cobra.Command {
	var from, binDir string
	var replace, noOwner bool
	cmd := &cobra.Command{
		Use:   "restore --from DIR [--db DSN] [--replace] [--no-owner]",
		Short: "Restore a backup with pg_restore, then check it against its manifest",
		Long: `restore verifies the backup in --from against its manifest (refusing a
corrupt one before touching the database), refuses a target database that
already has the schema paidan or its version table (unless --replace, which
drops both first), runs pg_restore of both dumps, each in one transaction,
runs ANALYZE on the restored tables, and then checks the restored database:

  rows       every table's row count equals the manifest's
  version    the schema version equals the manifest's
  ledger     the ledger head equals the manifest's, and "paidan ledger
             verify" finds every run's rows matching
  invariants the dispatch invariants hold (one active assignment per task,
             no worker over capacity, every assigned task's run applied,
             every applied run's count equal to its rows)

It prints every check and exits 3 naming each that differs. Roles are
cluster-wide: apply the backup's roles.sql with psql on a new cluster first
(see the README's Operations section).`,
		Args: noArgs,
	}
	dsn := addDBFlag(cmd)
	cmd.Flags().StringVar(&from, "from", "", "backup directory written by paidan backup (required)")
	cmd.Flags().BoolVar(&replace, "replace", false, "drop the target's schema paidan and version table before restoring")
	cmd.Flags().BoolVar(&noOwner, "no-owner", false, "own every restored object as the restoring role (pg_restore --no-owner)")
	cmd.Flags().StringVar(&binDir, "pg-bin", "", "directory of pg_restore (default: PATH, then the newest /usr/lib/postgresql/*/bin)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if from == "" {
			return usageErrorf("--from is required")
		}
		ctx := cmd.Context()
		// The target is empty (or replaced) before the restore, so it is
		// outside any schema window; the restore checks the version it
		// restored against the backup's manifest instead.
		db, err := openDBForMigration(ctx, *dsn, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		conn, err := backup.ParseConn(dsnOf(*dsn))
		if err != nil {
			return err
		}
		r, err := backup.Restore(ctx, db, conn, from, backup.RestoreOptions{
			Options: backup.Options{Tools: backup.Tools{BinDir: binDir}},
			Replace: replace,
			NoOwner: noOwner,
			Checks:  restoreChecks(),
		})
		out := cmd.OutOrStdout()
		if r != nil {
			for _, o := range r.Outcomes {
				if o.Problem == "" {
					fmt.Fprintf(out, "ok       %s\n", o.Check)
				} else {
					fmt.Fprintf(out, "DIFFERS  %s: %s\n", o.Check, o.Problem)
				}
			}
		}
		switch {
		case errors.Is(err, backup.ErrCorrupt), errors.Is(err, backup.ErrMismatch):
			return answerNo(scrub(err, dsnOf(*dsn)))
		case err != nil:
			return scrub(err, dsnOf(*dsn))
		}
		fmt.Fprintf(out, "restored %s: every check passed\n", from)
		return nil
	}
	return cmd
}

// restoreChecks are the checks a restored database must pass beyond row
// counts and schema version: the run ledger and the dispatch invariants,
// by the same code that "paidan ledger verify" and the tests use.
func restoreChecks() []backup.Check {
	return []backup.Check{
		{Name: "ledger", Run: func(ctx context.Context, db *sqlx.DB) error {
			r, err := ledgerpg.Verify(ctx, db, ledgerpg.VerifyOptions{})
			if err != nil {
				return err
			}
			if !r.OK() {
				return fmt.Errorf("%d finding(s); first: %s", r.Total, r.Findings[0])
			}
			return nil
		}},
		{Name: "invariants", Run: func(ctx context.Context, db *sqlx.DB) error {
			return exportpg.CheckInvariants(ctx, db)
		}},
	}
}
