package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// KeptChannel is the PostgreSQL channel on which Keeper announces every
// kept run, as {"run_id": ..., "partition": ...}, when the transaction
// that keeps it commits (LISTEN paidan_run_kept). The run is applied and
// its snapshot readable by then, which is not yet so when the write-back
// announces it on paidan_run_applied.
const KeptChannel = "paidan_run_kept"

// KeptRun names a kept run and its partition.
type KeptRun struct {
	Run       string `json:"run_id" db:"run_id"`
	Partition string `json:"partition" db:"partition"`
}

// NewestKept returns the newest kept run of each partition, newest first,
// at most limit of them (the partitions kept into most recently). A
// schema without paidan.run_input has none.
func NewestKept(ctx context.Context, db sqlx.QueryerContext, limit int) ([]KeptRun, error) {
	var runs []KeptRun
	err := sqlx.SelectContext(ctx, db, &runs, `SELECT run_id, partition FROM (
			SELECT DISTINCT ON (partition) run_id, partition, created_at FROM paidan.run_input
			ORDER BY partition, created_at DESC, run_id DESC) newest
		ORDER BY created_at DESC, run_id DESC LIMIT $1`, limit)
	if isUndefinedTable(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the newest kept runs from table paidan.run_input: %w", err)
	}
	return runs, nil
}

// Prefetcher keeps the newest kept runs prepared in an Explainer, so that
// the first explanation of a task of a partition's newest run answers
// from memory rather than reading the run (seconds for a large one).
// Explainer and DSN (the listening connection's, which only LISTENs) are
// required; Logger nil discards.
//
// Memory stays bounded by the Explainer's Cache: at most that many runs
// are prepared at start-up, and the runs announced later push the least
// recently used out. Runs are prepared one at a time, so that no more than
// one extra run is being read at once.
type Prefetcher struct {
	Explainer *Explainer
	DSN       string
	Logger    *slog.Logger
}

// Run listens on KeptChannel, prepares the newest kept run of the
// partitions kept into most recently (as many as the Explainer's cache
// holds, the newest prepared last so that it is the last to leave), then
// prepares each run announced, until ctx ends. Whenever the listening
// connection is re-established, announcements may have been missed, so
// it prepares the newest kept runs again (the ones still cached cost
// nothing). A run that cannot be prepared is logged and skipped. It
// returns ctx's error, or the error of the first LISTEN.
func (p *Prefetcher) Run(ctx context.Context) error {
	log := p.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := pq.NewListener(p.DSN, time.Second, time.Minute, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			log.Warn("listening for kept runs", "channel", KeptChannel, "err", err)
		}
	})
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer l.Close()
	if err := l.Listen(KeptChannel); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("listen %s: %w", KeptChannel, err)
	}
	p.newest(ctx, log)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case n, ok := <-l.Notify:
			if !ok {
				return ctx.Err()
			}
			if n == nil { // reconnected: announcements may be lost
				p.newest(ctx, log)
				continue
			}
			var k KeptRun
			if err := json.Unmarshal([]byte(n.Extra), &k); err != nil || k.Run == "" {
				log.Warn("an announcement of a kept run that names no run", "channel", KeptChannel, "payload", n.Extra)
				continue
			}
			p.prefetch(ctx, log, k)
		}
	}
}

// newest prepares the newest kept runs, the oldest of them first.
func (p *Prefetcher) newest(ctx context.Context, log *slog.Logger) {
	runs, err := NewestKept(ctx, p.Explainer.DB, p.Explainer.cacheSize())
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("prefetching the newest kept runs", "err", err)
		}
		return
	}
	slices.Reverse(runs)
	for _, k := range runs {
		p.prefetch(ctx, log, k)
	}
}

// prefetch prepares one kept run, logging a failure.
func (p *Prefetcher) prefetch(ctx context.Context, log *slog.Logger, k KeptRun) {
	start := time.Now()
	err := p.Explainer.Prefetch(ctx, k.Run)
	switch {
	case err == nil:
		s := p.Explainer.Stats()
		log.Debug("prepared a kept run for explanations", "run_id", k.Run, "partition", k.Partition, "duration", time.Since(start),
			"cached", len(s.Cached), "reads", s.Reads, "hits", s.Hits)
	case ctx.Err() != nil:
	case errors.Is(err, ErrNotKept): // pruned since it was announced
		log.Debug("an announced run is no longer kept", "run_id", k.Run, "partition", k.Partition)
	default:
		log.Warn("preparing a kept run for explanations", "run_id", k.Run, "partition", k.Partition, "err", err)
	}
}
