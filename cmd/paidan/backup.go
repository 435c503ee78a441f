package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/backup"
)

func newBackupCmd() *cobra.Command {
	var out, binDir string
	cmd := &cobra.Command{
		Use:   "backup --out DIR [--db DSN] | backup verify DIR",
		Short: "Back up the paidan schema with pg_dump, with a checksummed manifest",
		Long: `backup writes DIR (which must not exist) with PostgreSQL's own tools:

  paidan.dump          pg_dump --format=custom --schema=paidan
  schema_version.dump  pg_dump --format=custom --table=public.paidan_schema_version
  roles.sql            pg_dumpall --roles-only --no-role-passwords
  manifest.json        paidan, schema and server versions, rows per table,
                       the ledger head, size and SHA-256 of every file

Both dumps read one exported snapshot, the one the row counts come from, so a
backup taken while schedulers and business systems write is consistent. The
password of --db reaches the PostgreSQL programs in their environment, never
on a command line. "paidan backup verify DIR" checks every file against the
manifest (exit 3 when one differs); "paidan restore" brings a backup back.`,
		Args: noArgs,
	}
	dsn := addDBFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to create (required)")
	cmd.Flags().StringVar(&binDir, "pg-bin", "", "directory of pg_dump and pg_dumpall (default: PATH, then the newest /usr/lib/postgresql/*/bin)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if out == "" {
			return usageErrorf("--out is required")
		}
		ctx := cmd.Context()
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		conn, err := backup.ParseConn(dsnOf(*dsn))
		if err != nil {
			return err
		}
		m, err := backup.Backup(ctx, db, conn, out, backup.Options{Tools: backup.Tools{BinDir: binDir}, PaidanVersion: buildVersion()})
		if err != nil {
			return scrub(err, dsnOf(*dsn))
		}
		printManifest(cmd.OutOrStdout(), out, m)
		return nil
	}
	cmd.AddCommand(newBackupVerifyCmd())
	return cmd
}

func newBackupVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify DIR",
		Short: "Check every file of a backup against its manifest",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("backup verify takes one backup directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := backup.Verify(args[0])
			if errors.Is(err, backup.ErrCorrupt) {
				return answerNo(err)
			} else if err != nil {
				return err
			}
			printManifest(cmd.OutOrStdout(), args[0], m)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: every file matches the manifest\n", args[0])
			return nil
		},
	}
}

// printManifest prints what a backup holds.
func printManifest(w io.Writer, dir string, m *backup.Manifest) {
	fmt.Fprintf(w, "backup %s: database %s, server %s, schema version %d, taken %s by paidan %s\n",
		dir, m.Database, m.ServerVersion, m.SchemaVersion, m.CreatedAt.Format("2006-01-02T15:04:05Z"), m.PaidanVersion)
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-34s %d rows\n", n, m.Tables[n])
	}
	if m.LedgerHead != nil {
		fmt.Fprintf(w, "  ledger head: entry %d, hash %s\n", m.LedgerHead.Seq, m.LedgerHead.Hash)
	}
	for _, f := range m.Files {
		fmt.Fprintf(w, "  %-20s %d bytes  sha256 %s\n", f.Name, f.Bytes, f.SHA256)
	}
}

// scheduledBackups are schedule's --backup-* flags: a backup every period,
// in its own goroutine, beside the planning cycles.
type scheduledBackups struct {
	every  time.Duration
	dir    string
	keep   int
	db     string
	binDir string
}

func (s *scheduledBackups) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&s.every, "backup-every", 0, "also take a backup (as paidan backup does) every D, e.g. 24h; 0: never")
	fl.StringVar(&s.dir, "backup-dir", "", "directory of the scheduled backups, each named paidan-<UTC time>")
	fl.IntVar(&s.keep, "keep-backups", 7, "scheduled backups to keep; older ones are removed after each new one")
	fl.StringVar(&s.db, "backup-db", "", "DSN for the backups, as a role that may read every table (default: --db)")
	fl.StringVar(&s.binDir, "pg-bin", "", "directory of pg_dump and pg_dumpall for the backups")
}

// start checks the flags and, when --backup-every is set, starts taking
// backups until ctx ends. The first is due one period after the newest
// scheduled backup in --backup-dir (at once when there is none), so
// restarting the scheduler neither skips nor repeats one. The returned
// function stops the backups (cancelling one in progress, which leaves
// no directory) and waits for them to end.
func (s *scheduledBackups) start(ctx context.Context, runnerDSN string, logger *slog.Logger) (func(), error) {
	if s.every == 0 {
		return func() {}, nil
	}
	switch {
	case s.every < 0:
		return nil, usageErrorf("--backup-every must be positive")
	case s.dir == "":
		return nil, usageErrorf("--backup-every needs --backup-dir")
	case s.keep < 1:
		return nil, usageErrorf("--keep-backups must be at least 1")
	}
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return nil, err
	}
	_, times, err := backup.Scheduled(s.dir)
	if err != nil {
		return nil, err
	}
	next := time.Now()
	if len(times) > 0 {
		next = times[len(times)-1].Add(s.every)
	}
	dsn := s.db
	if dsn == "" {
		dsn = runnerDSN
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			timer := time.NewTimer(time.Until(next))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
			dir, err := s.take(ctx, dsn)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				retry := min(s.every, time.Minute)
				logger.Error("scheduled backup failed", "err", scrub(err, dsn), "retry_in", retry)
				next = time.Now().Add(retry)
				continue
			}
			removed, err := backup.Prune(s.dir, s.keep)
			if err != nil {
				logger.Error("pruning backups failed", "err", err)
			}
			logger.Info("scheduled backup written", "dir", dir, "pruned", len(removed))
			next = time.Now().Add(s.every)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// take writes one scheduled backup and returns its directory.
func (s *scheduledBackups) take(ctx context.Context, dsn string) (string, error) {
	db, err := openDB(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	conn, err := backup.ParseConn(dsn)
	if err != nil {
		return "", err
	}
	dir := backup.ScheduledDir(s.dir, time.Now())
	if _, err := backup.Backup(ctx, db, conn, dir, backup.Options{Tools: backup.Tools{BinDir: s.binDir}, PaidanVersion: buildVersion()}); err != nil {
		return "", err
	}
	return dir, nil
}
