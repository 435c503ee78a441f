package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/ingest/file"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

func newSeedCmd() *cobra.Command {
	var (
		db        *string
		dataset   string
		partition string
		keepTimes bool
	)
	cmd := &cobra.Command{
		Use:   "seed --dataset DIR [--partition P]",
		Short: "Load a dataset's tasks and workers into the database (demos, benchmarks)",
		Long: `Seed loads a dataset directory (see 'paidan gen dispatch') into the paidan
schema as pending tasks and active workers of one partition (default: the
directory's name), with COPY, in one transaction. Rows whose id exists
already are left alone and counted. A worker's capacity becomes its
remaining capacity (capacity − load), since the database counts load itself.

Every time (created_at, due_at, shifts) is moved by the same amount so that
the dataset's planning instant becomes now: a run right after seeding plans
what the dataset describes. --keep-times stores them as they are.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataset == "" {
				return usageErrorf("--dataset is required")
			}
			if partition == "" {
				partition = filepath.Base(filepath.Clean(dataset))
			}
			ctx := cmd.Context()
			start := time.Now()
			ds, err := file.Load(ctx, dataset, file.Options{})
			if err != nil {
				return err
			}
			loaded := time.Since(start)
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			b := ds.Batch
			b.Partition = partition
			var shift time.Duration
			if !keepTimes {
				shift = time.Since(b.AsOf).Round(time.Second)
			}
			start = time.Now()
			workers, tasks, err := jobspg.Seed(ctx, conn, b, shift)
			if err != nil {
				return fmt.Errorf("seed partition %q: %w", partition, scrub(err, dsnOf(*db)))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "partition %s: %d of %d workers and %d of %d tasks inserted\n",
				partition, workers, len(b.Workers), tasks, len(b.Tasks))
			fmt.Fprintf(cmd.ErrOrStderr(), "paidan: read %s in %.3fs, copied in %.3fs\n",
				dataset, loaded.Seconds(), time.Since(start).Seconds())
			return nil
		},
	}
	db = addDBFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&dataset, "dataset", "", "dataset directory (required)")
	fl.StringVar(&partition, "partition", "", "partition to seed (default: the dataset directory's name)")
	fl.BoolVar(&keepTimes, "keep-times", false, "store the dataset's times unchanged")
	return cmd
}
