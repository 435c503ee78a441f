package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
	"github.com/spf13/cobra"
)

// newGenCmd builds "paidan gen", the parent of the dataset generators.
func newGenCmd() *cobra.Command {
	gen := &cobra.Command{
		Use:   "gen",
		Short: "Generate synthetic datasets",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	gen.AddCommand(newGenDispatchCmd())
	return gen
}

func newGenDispatchCmd() *cobra.Command {
	var (
		opts   datasets.GenOptions
		out    string
		format string
		asOf   string
		force  bool
	)
	cmd := &cobra.Command{
		Use:   "dispatch --tasks N --out DIR",
		Short: "Generate a seeded, metro-like dispatch dataset",
		Long: `Generate a dispatch dataset (tasks, workers) in directory --out, in the
format that "paidan" reads. The same --seed and sizes always give the same
files. A directory that is not empty is refused, so that an existing
dataset is never overwritten by mistake; --force writes its tasks and
workers files anyway (other files in it stay). Progress goes to stderr.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tasks < 0 || opts.Workers < 0 {
				return usageErrorf("--tasks and --workers must not be negative")
			}
			if out == "" {
				return usageErrorf("--out is required")
			}
			var wo file.WriteOptions
			switch format {
			case "csv":
			case "parquet":
				wo.Format = file.Parquet
			default:
				return usageErrorf("--format %q: want csv or parquet", format)
			}
			if asOf != "" {
				t, err := time.Parse(time.RFC3339, asOf)
				if err != nil {
					return usageErrorf("--as-of %q: want an RFC 3339 time like %s", asOf, datasets.DefaultAsOf)
				}
				opts.AsOf = t
			}
			if err := checkOutDir(out, force); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			start := time.Now()
			b := datasets.Generate(opts)
			fmt.Fprintf(stderr, "generated %d tasks and %d workers in %v\n",
				len(b.Tasks), len(b.Workers), time.Since(start).Round(time.Millisecond))
			start = time.Now()
			if err := file.Write(cmd.Context(), out, b, wo); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "wrote %s (%s) in %v\n", out, wo.Format, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Tasks, "tasks", 1000, "number of tasks")
	f.IntVar(&opts.Workers, "workers", 0, "number of workers (0: tasks/20)")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "", "directory to write the dataset into (created if needed; must be empty unless --force)")
	f.BoolVar(&force, "force", false, "write into --out even when it is not empty, replacing its tasks and workers files")
	f.StringVar(&format, "format", "csv", "table format: csv or parquet")
	f.StringVar(&asOf, "as-of", "", "planning instant, RFC 3339 (default "+datasets.DefaultAsOf+")")
	return cmd
}

// checkOutDir refuses an --out that is a file, or a directory with entries
// unless force.
func checkOutDir(out string, force bool) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %w", out, err)
	case len(entries) > 0 && !force:
		return usageErrorf("--out %s is not empty (%d entries, e.g. %s); pass --force to write the dataset into it anyway",
			out, len(entries), entries[0].Name())
	}
	return nil
}
