package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Background runs a piece of work beside the scheduler's cycles (rolling
// up the runs for reports, writing a scheduled report), so that it never
// delays dispatch: Start runs Work in a goroutine of its own, and skips
// when the previous start has not finished. Work is given its own context,
// which ends with the one passed to Start. The zero Logger discards.
//
// A Background is safe for concurrent use; Wait waits for the running
// Work, if any.
type Background struct {
	Name   string // for the log: "rollup", "report"
	Work   func(ctx context.Context) error
	Logger *slog.Logger

	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup
}

// Start runs Work in a new goroutine and returns true, or returns false
// without running it when the previous Work still runs.
func (b *Background) Start(ctx context.Context) bool {
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		b.logger().Info("background work still running; skipped", "stage", b.Name)
		return false
	}
	b.running = true
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		start := time.Now()
		err := b.Work(ctx)
		b.mu.Lock()
		b.running = false
		b.mu.Unlock()
		if err != nil {
			b.logger().Warn("background work failed", "stage", b.Name, "duration", time.Since(start), "err", err)
			return
		}
		b.logger().Info("background work done", "stage", b.Name, "duration", time.Since(start))
	}()
	return true
}

// Wait waits until no Work runs.
func (b *Background) Wait() { b.wg.Wait() }

func (b *Background) logger() *slog.Logger {
	if b.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Logger
}
