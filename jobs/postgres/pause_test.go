package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/jobs"
	jobspg "github.com/paidan/paidan/jobs/postgres"
)

// TestSchedulerSkipsPausedPartition runs a scheduler, as the runtime role,
// over two partitions, one of them paused in paidan.partition_pause: the
// paused one is left out of every cycle, logged once, and runs again once
// the row is deleted (the console's resume), which is logged once too.
func TestSchedulerSkipsPausedPartition(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	seed(t, owner, "north", 20, 3)
	seed(t, owner, "south", 20, 4)
	execSQL(t, owner, `INSERT INTO paidan.partition_pause (partition, paused_by, note) VALUES ('north', 'ana', 'stock count')`)

	pauses, err := (&jobspg.Source{DB: runtime}).Paused(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pauses) != 1 || pauses[0].Partition != "north" || pauses[0].By != "ana" || pauses[0].Note != "stock count" || pauses[0].At.IsZero() {
		t.Fatalf("Paused = %+v, want north paused by ana", pauses)
	}

	var logs bytes.Buffer
	r := newRunner(runtime, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var ran [][]string // partitions run, per cycle
	s := &jobs.Scheduler{Runner: r, Schedule: jobs.Every(10 * time.Millisecond), RunAtStart: true,
		Partitions: []string{"north", "south"},
		OnCycle: func(results []*jobs.Result, err error) {
			if err != nil {
				t.Errorf("cycle %d: %v", len(ran)+1, err)
			}
			var parts []string
			for _, res := range results {
				parts = append(parts, res.Partition)
			}
			ran = append(ran, parts)
			switch len(ran) {
			case 3:
				execSQL(t, owner, `DELETE FROM paidan.partition_pause WHERE partition = 'north'`)
			case 5:
				cancel()
			}
		}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"south", "south", "south", "north,south", "north,south"}
	for i, w := range want {
		if i >= len(ran) {
			t.Fatalf("%d cycles ran, want %d", len(ran), len(want))
		}
		if got := strings.Join(ran[i], ","); got != w {
			t.Errorf("cycle %d ran %q, want %q", i+1, got, w)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "partition paused"); n != 1 {
		t.Errorf("pause logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "partition resumed"); n != 1 {
		t.Errorf("resume logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "paused_by=ana") {
		t.Errorf("pause log does not name who paused:\n%s", out)
	}
	if n := count(t, owner, `SELECT count(*) FROM paidan.run WHERE partition = 'north'`); n == 0 {
		t.Error("north has no recorded run after the resume")
	}
}

// TestRunAllSkipsPausedUnlessIgnored checks RunAll leaves a paused
// partition out, and runs it with IgnorePause.
func TestRunAllSkipsPausedUnlessIgnored(t *testing.T) {
	t.Parallel()
	owner, runtime := pgtest.NewRuntime(t)
	seed(t, owner, "east", 10, 5)
	seed(t, owner, "west", 10, 6)
	execSQL(t, owner, `INSERT INTO paidan.partition_pause (partition, paused_by) VALUES ('west', 'ana')`)
	r := newRunner(runtime, nil)
	results, err := r.RunAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Partition != "east" || results[0].Status != paidan.RunApplied {
		t.Fatalf("RunAll ran %v, want east applied only", results)
	}
	r.IgnorePause = true
	results, err = r.RunAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var west *jobs.Result
	for _, res := range results {
		if res.Partition == "west" {
			west = res
		}
	}
	if west == nil || west.Status != paidan.RunApplied {
		t.Fatalf("RunAll with IgnorePause did not apply a run of west: %+v", west)
	}
}
