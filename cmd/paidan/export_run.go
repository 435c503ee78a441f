package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/paidan/paidan/runsnap"
	runsnappg "github.com/paidan/paidan/runsnap/postgres"
)

// exportRun writes run id's kept snapshot (paidan.run_input) as the run
// directory out, with run.json holding what paidan.run says of the run,
// so that paidan verify, replay and explain --plan read it offline.
func exportRun(ctx context.Context, stdout io.Writer, dsn, id, out string) error {
	conn, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	k, err := runsnappg.Get(ctx, conn, id)
	if errors.Is(err, runsnappg.ErrNotKept) {
		return usageErrorf("--run %s: no kept input: the run is unknown, was not applied, ran before inputs were kept, or was pruned (--keep-inputs)", id)
	}
	if err != nil {
		return scrub(err, dsnOf(dsn))
	}
	if err := runsnap.Unpack(k.Data, k.Run, out, 0); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run %s (partition %q, %s) written to %s (%d bytes kept); check it with: paidan verify %s\n",
		id, k.Run.Partition, k.Run.Status, out, len(k.Data), out)
	return nil
}
