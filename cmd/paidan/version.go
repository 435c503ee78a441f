package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/internal/pgschema"
)

// version and commit are stamped by the linker (scripts/build:
// -ldflags "-X main.version=… -X main.commit=…"). They are the only
// package-level variables of the command, written once at link time and
// never at run time.
var (
	version string
	commit  string
)

// buildInfo is what a binary knows of its origin.
type buildInfo struct {
	Version string // module version, or the stamped one; "(devel)" when unknown
	Commit  string // VCS revision; "" when unknown
	Dirty   bool   // built from a work tree with changes
}

// readBuildInfo returns the stamped version and commit when the linker
// set them, otherwise what the Go toolchain recorded (the module version,
// and the VCS revision when the binary was built from a checkout with VCS
// stamping on).
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: "(devel)"}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			bi.Version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				bi.Commit = s.Value
			case "vcs.modified":
				bi.Dirty = s.Value == "true"
			}
		}
	}
	if version != "" {
		bi.Version = version
	}
	if commit != "" {
		bi.Commit, bi.Dirty = commit, false
	}
	return bi
}

// buildVersion returns the version as one word pair: the version, plus
// the first 12 digits of the commit (and "+dirty") when known.
func buildVersion() string {
	bi := readBuildInfo()
	v := bi.Version
	if len(bi.Commit) >= 12 {
		v += " " + bi.Commit[:12]
	}
	if bi.Dirty {
		v += "+dirty"
	}
	return v
}

func newVersionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version [--db DSN]",
		Short: "Print the paidan version, its commit and the schema versions it supports",
		Long: `version prints the module version and the commit paidan was built
from, the platform and the Go release, then the window of schema versions
this binary runs against. With --db, --db-file or $` + envDatabaseURL + ` it also
prints the database's schema version and whether it is inside the window.
Binaries from scripts/build and scripts/release carry version and commit
even where Go's VCS stamping is off; "go install" of a tagged module version
carries the version.`,
		Args: noArgs,
	}
	dsn := addDBFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "paidan %s %s/%s %s\n", buildVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
		fmt.Fprintf(out, "schema window %d-%d (embedded migrations up to %d)\n",
			pgschema.MinSchema, pgschema.MaxSchema, pgschema.Latest())
		if dsnOf(*dsn) == "" {
			return nil
		}
		ctx := cmd.Context()
		db, err := openDBForMigration(ctx, *dsn, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		v, err := pgschema.SchemaVersion(ctx, db.DB)
		if err != nil {
			return scrub(err, dsnOf(*dsn))
		}
		state := "inside the window"
		if v < pgschema.MinSchema || v > pgschema.MaxSchema {
			state = "OUTSIDE the window"
		}
		_, err = fmt.Fprintf(out, "database schema version %d (%s)\n", v, state)
		return err
	}
	return cmd
}
