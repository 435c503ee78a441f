package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/console"
	consolepg "github.com/paidan/paidan/console/postgres"
)

func newMaintenanceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "maintenance announce|list|cancel",
		Short: "Announce, list or cancel maintenance windows (PostgreSQL)",
		Long: `maintenance records the maintenance windows of paidan.maintenance. During
a window "paidan schedule" skips its partition (every partition when the
window names none) and runs it again by itself once the window ends; the
console shows active and upcoming windows as a banner, and the scheduler's
/metrics exports paidan_maintenance_active. Every announcement and
cancellation is appended to the audit trail as the actor shell:<your user
name>.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	db := addPersistentDBFlag(cmd)

	var (
		at, msg, part string
		dur           time.Duration
	)
	announce := &cobra.Command{
		Use:   "announce --at TIME --duration D --message TEXT [--partition P]",
		Short: "Announce a maintenance window",
		Long: `announce records a window starting at --at (RFC 3339, e.g.
2026-12-05T22:00:00Z, or "now") and lasting --duration, and prints its id.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			start, err := parseMaintenanceTime(at, time.Now())
			if err != nil {
				return err
			}
			if dur <= 0 {
				return usageErrorf("--duration must be positive, e.g. 30m")
			}
			if strings.TrimSpace(msg) == "" {
				return usageErrorf("--message is required: say what the maintenance is for")
			}
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			m, err := (&consolepg.Store{DB: conn}).AnnounceMaintenance(ctx, shellActor(),
				console.Maintenance{Start: start, End: start.Add(dur), Partition: part, Message: msg})
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			fmt.Fprintf(c.OutOrStdout(), "announced maintenance window %d: %s\n", m.ID, describeMaintenance(m))
			return nil
		},
	}
	announce.Flags().StringVar(&at, "at", "", `start of the window: RFC 3339 time or "now" (required)`)
	announce.Flags().DurationVar(&dur, "duration", 0, "length of the window, e.g. 30m (required)")
	announce.Flags().StringVar(&msg, "message", "", "what the maintenance is, shown in the console banner (required)")
	announce.Flags().StringVar(&part, "partition", "", "the one partition the window pauses (default every partition)")

	var all bool
	list := &cobra.Command{
		Use:   "list [--all]",
		Short: "Print the active and upcoming maintenance windows, one a line",
		Long: `list prints id, start, end (UTC), partition ("*" for every partition),
state (active, upcoming, over, cancelled) and message, tab-separated;
--all includes past and cancelled windows.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			now := time.Now()
			var f console.MaintenanceFilter
			if !all {
				f.EndsAfter = now
			}
			ms, err := (&consolepg.Store{DB: conn}).Maintenance(ctx, f)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			for _, m := range ms {
				p := m.Partition
				if p == "" {
					p = "*"
				}
				fmt.Fprintf(c.OutOrStdout(), "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Start.UTC().Format(time.RFC3339),
					m.End.UTC().Format(time.RFC3339), p, maintenanceState(m, now), m.Message)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&all, "all", false, "include past and cancelled windows")

	cancel := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a maintenance window (its row and audit entries stay)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("cancel takes one window id")
			}
			if _, err := strconv.ParseInt(args[0], 10, 64); err != nil {
				return usageErrorf("window id %q is not a number", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			id, _ := strconv.ParseInt(args[0], 10, 64)
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			m, err := (&consolepg.Store{DB: conn}).CancelMaintenance(ctx, shellActor(), id)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			fmt.Fprintf(c.OutOrStdout(), "cancelled maintenance window %d: %s\n", m.ID, describeMaintenance(m))
			return nil
		},
	}
	cmd.AddCommand(announce, list, cancel)
	return cmd
}

// parseMaintenanceTime reads --at: an RFC 3339 time, or "now".
func parseMaintenanceTime(s string, now time.Time) (time.Time, error) {
	switch s {
	case "":
		return time.Time{}, usageErrorf("--at is required: an RFC 3339 time such as 2026-12-05T22:00:00Z, or now")
	case "now":
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErrorf("--at %q: want an RFC 3339 time such as 2026-12-05T22:00:00Z, or now", s)
	}
	return t, nil
}

// maintenanceState names where m stands at now.
func maintenanceState(m console.Maintenance, now time.Time) string {
	switch {
	case !m.CancelledAt.IsZero():
		return "cancelled"
	case m.Active(now):
		return "active"
	case now.Before(m.Start):
		return "upcoming"
	}
	return "over"
}

func describeMaintenance(m console.Maintenance) string {
	p := "every partition"
	if m.Partition != "" {
		p = "partition " + m.Partition
	}
	return fmt.Sprintf("%s to %s, %s: %s", m.Start.UTC().Format(time.RFC3339), m.End.UTC().Format(time.RFC3339), p, m.Message)
}
