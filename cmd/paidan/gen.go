package main

import (
	"fmt"
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
	)
	cmd := &cobra.Command{
		Use:   "dispatch --tasks N --out DIR",
		Short: "Generate a seeded, metro-like dispatch dataset",
		Long: `Generate a dispatch dataset (tasks, workers) in directory --out, in the
format that "paidan" reads. The same --seed and sizes always give the same
files. Progress goes to stderr.`,
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
	f.StringVar(&out, "out", "", "directory to write the dataset into (created if needed)")
	f.StringVar(&format, "format", "csv", "table format: csv or parquet")
	f.StringVar(&asOf, "as-of", "", "planning instant, RFC 3339 (default "+datasets.DefaultAsOf+")")
	return cmd
}
