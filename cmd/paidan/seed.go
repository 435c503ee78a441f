package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/ingest/file"
	ingestpg "github.com/paidan/paidan/ingest/postgres"
)

func newSeedCmd() *cobra.Command {
	var (
		db        *string
		dataset   string
		partition string
		keepTimes bool
		onConfl   string
	)
	cmd := &cobra.Command{
		Use:   "seed --dataset DIR [--partition P] [--on-conflict refuse|skip|update]",
		Short: "Load a dataset's tasks and workers into the database (demos, benchmarks)",
		Long: `Seed loads a dataset directory (see 'paidan gen dispatch') into the paidan
schema as pending tasks and active workers of one partition (default: the
directory's name), with COPY, in one transaction. A worker's capacity
becomes its remaining capacity (capacity − load), since the database counts
load itself.

Task and worker ids are unique across all partitions. By default a row whose
id is taken (in any partition) fails the seed: the error names each such row
and the partition holding it, nothing is written, and the exit status is 1.
--on-conflict skip leaves the existing rows alone and inserts the rest;
--on-conflict update overwrites the existing rows (moving them into this
partition; a task that is no longer pending is left alone). Both report
what they inserted, updated and skipped.

Every time (created_at, due_at, shifts) is moved by the same amount so that
the dataset's planning instant becomes now: a run right after seeding plans
what the dataset describes. --keep-times stores them as they are.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataset == "" {
				return usageErrorf("--dataset is required")
			}
			policy, err := ingestpg.ParseOnConflict(onConfl)
			if err != nil {
				return usageErrorf("--%v", err)
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
			opts := ingestpg.SeedOptions{OnConflict: policy}
			if !keepTimes {
				opts.Shift = time.Since(b.AsOf).Round(time.Second)
			}
			start = time.Now()
			res, err := ingestpg.Seed(ctx, conn, b, opts)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			count := func(c ingestpg.SeedCounts, n int) string {
				s := fmt.Sprintf("%d of %d inserted", c.Inserted, n)
				if policy != ingestpg.ConflictRefuse {
					s += fmt.Sprintf(", %d updated, %d skipped", c.Updated, c.Skipped)
				}
				return s
			}
			fmt.Fprintf(cmd.OutOrStdout(), "partition %s: workers %s; tasks %s\n",
				partition, count(res.Workers, len(b.Workers)), count(res.Tasks, len(b.Tasks)))
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
	fl.StringVar(&onConfl, "on-conflict", "refuse", "what to do with a row whose id is taken: refuse (fail, write nothing), skip, or update")
	return cmd
}
