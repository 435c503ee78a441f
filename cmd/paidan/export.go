package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/export/parquet"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
)

func newExportCmd() *cobra.Command {
	var (
		db  *string
		out string
		run string
	)
	cmd := &cobra.Command{
		Use:   "export --out DIR",
		Short: "Export every table and run as Parquet with a checksummed manifest",
		Long: `Export writes the whole dispatch state, for a hand-over or an archive:
task.parquet, worker.parquet, run.parquet, assignment.parquet and
unassigned.parquet (every row of each table, read from one consistent
snapshot and streamed: memory does not grow with the tables) and
manifest.json (rows, bytes and SHA-256 of each file, the snapshot time, and
any value that could not be written as stored), into DIR, which must not
exist yet. A time outside 1970..2262 (±infinity) is written as NULL and text
that is not UTF-8 with U+FFFD, each listed on stderr and in the manifest:
one bad row never fails the export.

The export is atomic: it is written into a temporary directory beside DIR,
the manifest last, synced, and renamed to DIR; an interrupted export leaves
no DIR (a killed one may leave a hidden .DIR.tmp-* beside it, safe to
delete). Files are 0640, the directory 0750. Array columns (skills,
regions) are Parquet lists; times are UTC timestamps in microseconds;
run.kpis is the JSON text.`,
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
			w, err := parquet.CreateSnapshot(out, 0)
			if err != nil {
				return err
			}
			rep, err := ingestpg.Snapshot(ctx, conn, ingestpg.SnapshotVisitor{
				Task: w.Task.Write, Worker: w.Worker.Write, Run: w.Run.Write,
				Assignment: w.Assignment.Write, Unassigned: w.Unassigned.Write,
			})
			if err != nil {
				w.Abort()
				return scrub(err, dsnOf(*db))
			}
			problems := make([]string, len(rep.Problems))
			for i, p := range rep.Problems {
				problems[i] = p.Error()
				fmt.Fprintf(cmd.ErrOrStderr(), "paidan: export: %v\n", p)
			}
			m, err := w.Commit(rep.At, buildVersion(), problems)
			if err != nil {
				return err
			}
			for _, f := range m.Files {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d rows\t%d bytes\tsha256 %s\n", f.Name, f.Rows, f.Bytes, f.SHA256)
			}
			return nil
		},
	}
	db = addDBFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to create (required)")
	cmd.Flags().StringVar(&run, "run", "", "write run ID's kept input and plan as a run directory instead (paidan verify, replay, explain --plan read it)")
	return cmd
}
