package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	jobsriver "github.com/paidan/paidan/jobs/river"
	"github.com/paidan/paidan/push"
)

func newSubscriberCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subscriber (add|list|remove|retry|dead)",
		Short: "Manage the webhook receivers of applied runs (PostgreSQL)",
		Long: `Subscriber manages who is told of every applied run (see README, "Push").
Each applied run is delivered to every subscriber as a signed HTTPS POST
by 'paidan schedule --push' or 'paidan worker --queues deliver'.

Only the schema owner may add or remove a subscriber: connect as the role
that runs 'paidan migrate'. Every change is appended to paidan.audit with
the actor shell:<your user name>; the secret is never printed nor audited.
'retry JOB' puts a dead delivery (every attempt failed) back into its
queue for one more attempt, audited as delivery.retry; the owner or a
member of paidan_console may.

    paidan subscriber add dispatch-app --url https://app.example.com/paidan \
        --events assigned,reassigned,unassigned --secret-file /etc/paidan/app.secret

The secret file holds the HMAC-SHA256 key (at least 16 bytes; a trailing
newline is dropped) and must not be readable by group or others.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	db := addPersistentDBFlag(cmd)
	var (
		url, events, secretFile string
		single                  bool
	)
	add := &cobra.Command{Use: "add NAME --url URL --events KINDS --secret-file FILE [--single]",
		Short: "Add a subscriber", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			kinds, err := push.ParseKinds(events)
			if err != nil {
				return usageErrorf("--events: %v", err)
			}
			if err := push.CheckURL(url); err != nil {
				return usageErrorf("--url: %v", err)
			}
			secret, err := readSecretFile(secretFile)
			if err != nil {
				return err
			}
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			s, err := jobsriver.AddSubscriber(ctx, conn, shellActor().Name, jobsriver.NewSubscriber{
				Name: args[0], URL: url, Events: kinds, Single: single, Secret: secret})
			if errors.Is(err, jobsriver.ErrBadSubscriber) || errors.Is(err, jobsriver.ErrSubscriberExists) {
				return usageErrorf("%v", err)
			}
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			fmt.Fprintf(c.ErrOrStderr(), "paidan: subscriber %s added (id %d): %s, events %s\n", s.Name, s.ID, s.URL, jobsriver.KindsString(s.Events))
			return nil
		}}
	add.Flags().StringVar(&url, "url", "", "where deliveries are posted: https, or http to a loopback host (required)")
	add.Flags().StringVar(&events, "events", "", "comma-separated kinds: assigned, unassigned, reassigned (required)")
	add.Flags().StringVar(&secretFile, "secret-file", "", "file holding the HMAC-SHA256 secret, mode 0600 or stricter (required)")
	add.Flags().BoolVar(&single, "single", false, "one delivery per event rather than one per run")
	for _, f := range []string{"url", "events", "secret-file"} {
		add.MarkFlagRequired(f)
	}

	list := &cobra.Command{Use: "list", Short: "List subscribers: name, URL, events, single, added (never the secret)", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			subs, err := jobsriver.Subscribers(ctx, conn)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tURL\tEVENTS\tSINGLE\tADDED BY\tADDED")
			for _, s := range subs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", s.Name, s.URL, jobsriver.KindsString(s.Events), s.Single,
					s.CreatedBy, s.CreatedAt.UTC().Format(time.RFC3339))
			}
			return w.Flush()
		}}

	remove := &cobra.Command{Use: "remove NAME", Short: "Remove a subscriber; its pending deliveries are cancelled", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			err = jobsriver.RemoveSubscriber(ctx, conn, shellActor().Name, args[0])
			if errors.Is(err, jobsriver.ErrNoSubscriber) {
				return usageErrorf("%v", err)
			}
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			fmt.Fprintf(c.ErrOrStderr(), "paidan: subscriber %s removed\n", args[0])
			return nil
		}}
	retry := &cobra.Command{Use: "retry JOB", Short: "Re-enqueue a dead delivery for one more attempt (the job number the console's dead-letter page shows)",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			job, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || job < 1 {
				return usageErrorf("delivery job %q: want the number the dead-letter page (/deliveries/dead) shows", args[0])
			}
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			key, err := jobsriver.RetryDelivery(ctx, conn, shellActor().Name, "", job)
			if errors.Is(err, jobsriver.ErrNoDelivery) || errors.Is(err, jobsriver.ErrNotDead) {
				return usageErrorf("%v", err)
			}
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			fmt.Fprintf(c.ErrOrStderr(), "paidan: delivery %d (%s) re-enqueued for one more attempt\n", job, key)
			return nil
		}}
	var limit int
	dead := &cobra.Command{Use: "dead [--limit N]", Short: "List dead deliveries, newest first: job, subscriber, run, attempts, last error (retry one with 'subscriber retry JOB')",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if limit < 1 || limit > 10000 {
				return usageErrorf("--limit %d: want 1 to 10000", limit)
			}
			ctx := c.Context()
			conn, err := openDB(ctx, *db)
			if err != nil {
				return err
			}
			defer conn.Close()
			deliveries, err := jobsriver.DeadDeliveries(ctx, conn, limit)
			if err != nil {
				return scrub(err, dsnOf(*db))
			}
			w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "JOB\tSUBSCRIBER\tRUN\tPARTITION\tATTEMPTS\tDIED\tLAST ERROR")
			for _, d := range deliveries {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", d.JobID, d.SubscriberName, d.RunID, d.Partition, d.Attempts,
					d.DiedAt.UTC().Format(time.RFC3339), oneLine(d.LastError, 120))
			}
			return w.Flush()
		}}
	dead.Flags().IntVar(&limit, "limit", 50, "newest N dead deliveries (1-10000)")
	cmd.AddCommand(add, list, remove, retry, dead)
	return cmd
}

// readSecretFile reads a subscriber's secret: the file's bytes without a
// trailing newline. A file group or others may read is refused.
func readSecretFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usageErrorf("--secret-file: %v", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, usageErrorf("--secret-file %s: mode %04o lets group or others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("--secret-file: %v", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) < push.MinSecretLen {
		return nil, usageErrorf("--secret-file %s: %d bytes; want at least %d", path, len(b), push.MinSecretLen)
	}
	return b, nil
}

// oneLine is s for a table cell: control characters (a receiver's error
// text may hold newlines or terminal escapes) become spaces, and at most
// n runes are kept, "…" marking a cut.
func oneLine(s string, n int) string {
	r := []rune(strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, s))
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return string(r)
}
