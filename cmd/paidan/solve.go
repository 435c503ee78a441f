package main

import (
	"github.com/spf13/cobra"
)

// newSolveCmd groups the commands that solve one standard instance file
// with the exact solvers and verify the optimum.
func newSolveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "solve",
		Short: "Solve a standard instance file exactly and verify the optimum",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSolveMCFCmd())
	return cmd
}
