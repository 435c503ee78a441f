// Command genmonth writes a generated month of dispatch history (package
// reportgen) into a migrated paidan database, as the schema owner: the
// data of the report and backup benchmarks.
//
//	genmonth -db postgres://owner@host/db -runs 30000 -assignments 10000000
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"time"

	_ "github.com/lib/pq"

	"github.com/paidan/paidan/internal/reportgen"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genmonth:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("genmonth", flag.ContinueOnError)
	dsn := fs.String("db", "", "database URL (the schema owner)")
	runs := fs.Int("runs", 30000, "runs over the month")
	assignments := fs.Int("assignments", 1_000_000, "assignment rows (two per task; an odd number is rounded down)")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		return fmt.Errorf("-db is required")
	}
	db, err := sql.Open("postgres", *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	m := reportgen.Month{Runs: *runs, Tasks: *assignments / 2}
	if !*quiet {
		m.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	start := time.Now()
	if err := m.Generate(ctx, db); err != nil {
		return err
	}
	fmt.Printf("generated %d runs, %d tasks, %d assignment rows in %v\n", *runs, m.Tasks, 2*m.Tasks,
		time.Since(start).Round(time.Second))
	return nil
}
