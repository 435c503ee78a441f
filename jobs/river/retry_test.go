package river_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/paidan/paidan"
	jobsriver "github.com/paidan/paidan/jobs/river"
)

// TestRetryDeadDelivery: a dead delivery, retried once its receiver is
// back, is delivered with the key of its failed attempts, and the retry
// is audited; a delivery that is not dead, or unknown, is refused.
func TestRetryDeadDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *jobsriver.Options) { o.MaxAttempts = 2 })
	ctx := context.Background()
	seed(t, f.owner, "north", 20, 6)
	rcv := newReceiver(t, secret)
	s := addSubscriber(t, f.owner, "app", rcv.srv.URL, "assigned", false, secret)
	rcv.setFailing(true)
	res := f.runner.Run(ctx, "north")
	if res.Status != paidan.RunApplied {
		t.Fatalf("run: %s %v", res.Status, res.Err)
	}
	var dead []jobsriver.DeadDelivery
	waitFor(t, 20*time.Second, "a dead delivery", func() bool {
		var err error
		if dead, err = jobsriver.DeadDeliveries(ctx, f.runtime, 10); err != nil {
			t.Fatal(err)
		}
		return len(dead) == 1
	})
	key := fmt.Sprintf("%s/%d", res.RunID, s.ID)
	if byKey, _, _ := rcv.snapshot(); byKey[key] != 0 {
		t.Fatalf("delivered %d times before the retry; want 0", byKey[key])
	}
	rcv.setFailing(false)
	got, err := jobsriver.RetryDelivery(ctx, f.owner, "shell:test", "", dead[0].JobID)
	if err != nil || got != key {
		t.Fatalf("RetryDelivery = %q, %v; want key %s", got, err, key)
	}
	rcv.waitKeys(t, []string{key}, 30*time.Second)
	if n := count(t, f.owner, `SELECT count(*) FROM paidan.audit WHERE action = 'delivery.retry' AND actor = 'shell:test'
		AND target = $1 AND before->>'state' = 'discarded' AND after->>'state' = 'available'`, fmt.Sprintf("delivery:%d", dead[0].JobID)); n != 1 {
		t.Errorf("%d delivery.retry audit entries; want 1", n)
	}
	waitFor(t, 20*time.Second, "the retried job completed", func() bool {
		return count(t, f.owner, `SELECT count(*) FROM paidan_river.river_job WHERE id = $1 AND state = 'completed' AND attempt = 3`, dead[0].JobID) == 1
	})
	if _, err := jobsriver.RetryDelivery(ctx, f.owner, "shell:test", "", dead[0].JobID); !errors.Is(err, jobsriver.ErrNotDead) {
		t.Errorf("retry of a completed delivery: %v; want ErrNotDead", err)
	}
	if _, err := jobsriver.RetryDelivery(ctx, f.owner, "shell:test", "", 1<<40); !errors.Is(err, jobsriver.ErrNoDelivery) {
		t.Errorf("retry of an unknown job: %v; want ErrNoDelivery", err)
	}
	// The runtime role, which delivers, may not re-enqueue by hand.
	if _, err := jobsriver.RetryDelivery(ctx, f.runtime, "x", "", dead[0].JobID); err == nil {
		t.Error("the runtime role re-enqueued a delivery")
	}
}
