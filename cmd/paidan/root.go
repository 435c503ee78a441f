package main

import (
	"io"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Each subcommand lives in its own file.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "paidan",
		Short: "Exact batch dispatch: assign tasks to workers at minimum cost",
		Long: `paidan loads pending tasks and worker capacities (from dataset files or
PostgreSQL), assigns tasks to workers at provably minimum total cost under the
business rules, explains every decision, and exports Parquet analytics.

Exit codes: 0 success, 1 error, 2 usage error, 3 the answer is no
(infeasible problem, regression, failed certificate).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q; see 'paidan help'", args[0], cmd.CommandPath())
			}
			return nil
		},
		SilenceErrors: true,
		SilenceUsage:  true,
		// A bare "paidan" prints help rather than failing.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	root.AddCommand(
		newVersionCmd(),
		newMigrateCmd(),
		newGenCmd(),
		newPlanCmd(),
		newExplainCmd(),
		newRegressCmd(),
		newRunCmd(),
		newScheduleCmd(),
		newSeedCmd(),
		newExportCmd(),
		newSolveCmd(),
		newServeCmd(),
		newAccountCmd(),
		newTokenCmd(),
		newWorkerTokenCmd(),
		newAuditCmd(),
		newMaintenanceCmd(),
		newDemoCmd(),
		newReportCmd(),
		newLedgerCmd(),
		newBackupCmd(),
		newSubscriberCmd(),
		newWorkerCmd(),
		newRestoreCmd(),
		newVerifyCmd(),
		newReplayCmd(),
	)
	return root
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
