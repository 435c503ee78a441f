// Command sample writes the export/parquet test fixture plan into a
// directory with export/parquet, for checks that read the files with other
// tools (see scripts/duckdb-check). From export/parquet/duckdbcheck:
//
//	go run ./sample [-row-group-size N] DIR
//
// It prints the manifest to stdout. It lives in the duckdbcheck module, not
// in paidan's, because it is a development tool: paidan's export layer
// imports nothing of its own but the root package.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/export/parquet/internal/fixture"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sample:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts parquet.Options
	fs.IntVar(&opts.RowGroupSize, "row-group-size", 0, "maximum rows per row group (0: default)")
	fs.StringVar(&opts.Version, "version", "sample", "paidan version recorded in the files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: sample [-row-group-size N] DIR")
	}
	m, err := parquet.Write(ctx, fs.Arg(0), fixture.Plan(), opts)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
