package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
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
	return &cobra.Command{
		Use:   "version",
		Short: "Print the paidan version and the commit it was built from",
		Long: `version prints the module version and the commit paidan was built
from, the platform and the Go release. Binaries from scripts/build carry
both even where Go's VCS stamping is off; "go install" of a tagged module
version carries the version.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "paidan %s %s/%s %s\n",
				buildVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
			return err
		},
	}
}
