package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/paidan/paidan/jobs"
)

// A start while the previous work runs is skipped; once it has finished
// the next start runs again, whatever the previous one returned.
func TestBackgroundSkipsWhileRunning(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan int, 3)
	n := 0
	b := &jobs.Background{Name: "test", Work: func(context.Context) error {
		n++
		started <- n
		<-release
		return errors.New("work failed")
	}}
	ctx := context.Background()
	if !b.Start(ctx) {
		t.Fatal("first Start skipped")
	}
	<-started
	if b.Start(ctx) {
		t.Error("Start while the work runs did not skip")
	}
	close(release)
	b.Wait()
	if !b.Start(ctx) {
		t.Error("Start after the work finished skipped")
	}
	b.Wait()
	if got := <-started; got != 2 {
		t.Errorf("work ran %d times in all, want 2", got)
	}
}
