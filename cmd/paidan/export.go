package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/backup"
	"github.com/paidan/paidan/export/handover"
	handoverpg "github.com/paidan/paidan/export/handover/postgres"
)

func newExportCmd() *cobra.Command {
	var (
		db  *string
		out string
		run string
	)
	cmd := &cobra.Command{
		Use:   "export --out DIR | export verify DIR",
		Short: "Export every table as Parquet with a data dictionary and a checksummed manifest",
		Long: `Export writes the whole database, for the end of the contract, a hand-over
or an archive: one NAME.parquet per table of the paidan schema (tasks,
workers, runs, assignments and the tasks left out, the assignment archive
and edit history, the run ledger, run usage, maintenance windows, paused
partitions, run requests, accounts and API tokens without their password and token
hashes, and the audit trail), every row read from one consistent snapshot
and streamed (memory does not grow with the tables); dictionary.md and
dictionary.json, which describe every table and column (PostgreSQL type,
Parquet type, whether NULL may occur, meaning from the schema's COMMENT ON);
and manifest.json, written last: schema and server version, snapshot time,
per table its file and row count or why it is excluded (console sessions,
the ledger's lock row, and any table newer than this binary), and the bytes
and SHA-256 of every file. "paidan export verify DIR" checks every file
against the manifest, exactly as "paidan backup verify" checks a backup.

DIR must not exist; the export is written into a hidden .DIR.tmp-* beside it
and renamed when complete, so an interrupted export leaves no DIR. Files are
0640, the directory 0750. Times are UTC microsecond timestamps; arrays are
Parquet lists; json/jsonb columns are JSON text; numeric and other types
without a Parquet equivalent are their PostgreSQL text. A time of ±infinity
is written as NULL and text that is not UTF-8 with U+FFFD, each listed on
stderr and in the manifest: one bad row never fails the export. The role
needs SELECT on every exported column (the schema owner has it).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("--out is required")
			}
			if _, err := os.Lstat(out); err == nil {
				return usageErrorf("--out %s exists; export into a new directory", out)
			}
			if run != "" {
				return exportRun(cmd.Context(), cmd.OutOrStdout(), *db, run, out)
			}
			ctx := cmd.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			src, err := handoverpg.Begin(ctx, conn)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			defer src.Close()
			stderr := cmd.ErrOrStderr()
			m, err := handover.Export(ctx, src, out, handover.Options{Version: buildVersion(),
				Problem: func(p string) { fmt.Fprintf(stderr, "paidan: export: %s\n", p) }})
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			printExport(cmd.OutOrStdout(), m)
			return nil
		},
	}
	db = addDBFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to create (required)")
	cmd.Flags().StringVar(&run, "run", "", "write run ID's kept input and plan as a run directory instead (paidan verify, replay, explain --plan read it)")
	cmd.AddCommand(newExportVerifyCmd())
	return cmd
}

func newExportVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify DIR",
		Short: "Check every file of an export against its manifest",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("export verify takes one export directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := handover.Verify(args[0])
			if errors.Is(err, backup.ErrCorrupt) {
				return answerNo(err)
			} else if err != nil {
				return err
			}
			printExport(cmd.OutOrStdout(), m)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: every file matches the manifest\n", args[0])
			return nil
		},
	}
}

// printExport prints what an export holds: a line per table, then the
// files with their checksums.
func printExport(w io.Writer, m *handover.Manifest) {
	fmt.Fprintf(w, "schema version %d, server %s, snapshot %s, paidan %s\n",
		m.SchemaVersion, m.ServerVersion, m.SnapshotAt.Format("2006-01-02T15:04:05.000000Z"), m.PaidanVersion)
	for _, t := range m.Tables {
		if t.Excluded != "" {
			fmt.Fprintf(w, "%s\texcluded: %s\n", t.Name, t.Excluded)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d rows\n", t.Name, t.File, t.Rows)
	}
	for _, f := range m.Files {
		fmt.Fprintf(w, "%s\t%d bytes\tsha256 %s\n", f.Name, f.Bytes, f.SHA256)
	}
}
