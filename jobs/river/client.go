package river

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	rq "github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/jobs"
	"github.com/paidan/paidan/push"
)

// QueueDeliver is the queue of push deliveries.
const QueueDeliver = "deliver"

// Options configure a Client. The zero value of every field but DB works.
type Options struct {
	// DB is the pool River uses, connected as a role with paidan_runtime's
	// privileges. Required.
	DB *sql.DB
	// Deliver is how many deliveries this process works at once; zero
	// means it works none (a client that only enqueues).
	Deliver int
	// MaxAttempts bounds the attempts of a delivery; zero means 12. With
	// the default Backoff the 12th attempt comes about 2 hours after the
	// first, then the delivery is discarded (dead).
	MaxAttempts int
	// Backoff is the wait between attempts; the zero Backoff means 1s
	// doubling up to 30 minutes, with jitter.
	Backoff Backoff
	// Timeout bounds one delivery attempt; zero means 30 seconds.
	Timeout time.Duration
	// RescueAfter is how long a job may stay running before River takes
	// it for dead (its process was killed) and retries it; zero means 5
	// minutes. It must exceed Timeout.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for new jobs; zero means
	// 1 second.
	PollInterval time.Duration
	// Plan is how many partitions this process plans at once; zero means
	// it plans none. With Plan > 0, Runner and Every are required.
	Plan int
	// Runner runs a plan job's partition (the same Runner "paidan
	// schedule" uses, its Writer holding a Publisher to push).
	Runner *jobs.Runner
	// Every is the period of cycles: each enqueues one plan job per
	// partition with pending tasks, unique per partition and period.
	Every time.Duration
	// Partitions, when not empty, are the only partitions cycles enqueue.
	Partitions []string
	// PlanQueue is the queue of cycle and plan jobs this process works;
	// "" means "plan". Give a pool of machines a queue of its own.
	PlanQueue string
	// Sender posts deliveries; nil means a zero push.Sender.
	Sender *push.Sender
	// Logger receives River's and the deliveries' logs; nil discards them.
	Logger *slog.Logger
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	switch {
	case o.DB == nil:
		return errors.New("jobs/river: Options.DB is nil")
	case o.Deliver < 0 || o.MaxAttempts < 0 || o.Timeout < 0 || o.RescueAfter < 0 || o.PollInterval < 0:
		return errors.New("jobs/river: negative option")
	case o.Plan < 0 || o.Every < 0:
		return errors.New("jobs/river: negative option")
	case o.Plan > 0 && (o.Runner == nil || o.Every == 0):
		return errors.New("jobs/river: planning needs Options.Runner and Options.Every")
	case o.rescueAfter() <= o.timeout():
		return fmt.Errorf("jobs/river: RescueAfter %s must exceed Timeout %s", o.rescueAfter(), o.timeout())
	}
	return o.Backoff.Validate()
}

func (o *Options) timeout() time.Duration     { return orDefault(o.Timeout, 30*time.Second) }
func (o *Options) rescueAfter() time.Duration { return orDefault(o.RescueAfter, 5*time.Minute) }

func (o *Options) maxAttempts() int {
	if o.MaxAttempts == 0 {
		return 12
	}
	return o.MaxAttempts
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Client is a River client over paidan's database: it enqueues deliveries
// (Publisher), works them when Options.Deliver > 0, and plans partitions
// when Options.Plan > 0. Start it to work jobs; an enqueue-only client
// needs no Start. Safe for concurrent use.
type Client struct {
	rc    *rq.Client[*sql.Tx]
	opts  Options
	queue string // of cycle and plan jobs

	stopCycles context.CancelFunc
	cyclesDone chan struct{}
}

// New builds a Client; it does not connect.
func New(opts Options) (*Client, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	workers := rq.NewWorkers()
	sender := opts.Sender
	if sender == nil {
		sender = &push.Sender{}
	}
	if err := rq.AddWorkerSafely(workers, &deliverWorker{db: opts.DB, sender: sender, logger: logger}); err != nil {
		return nil, fmt.Errorf("jobs/river: %w", err)
	}
	cfg := &rq.Config{
		Schema:               pgschema.RiverSchema,
		Logger:               logger,
		Workers:              workers,
		MaxAttempts:          opts.maxAttempts(),
		RetryPolicy:          &opts.Backoff,
		JobTimeout:           opts.timeout(),
		RescueStuckJobsAfter: opts.rescueAfter(),
		FetchPollInterval:    orDefault(opts.PollInterval, time.Second),
		// Reindexing needs the tables' owner; the runtime role is not.
		ReindexerIndexNames: []string{},
	}
	cfg.FetchCooldown = min(100*time.Millisecond, cfg.FetchPollInterval)
	cfg.Queues = map[string]rq.QueueConfig{}
	if opts.Deliver > 0 {
		cfg.Queues[QueueDeliver] = rq.QueueConfig{MaxWorkers: opts.Deliver}
	}
	if opts.Plan > 0 {
		queue := cmp.Or(opts.PlanQueue, QueuePlan)
		if err := rq.AddWorkerSafely(workers, &cycleWorker{runner: opts.Runner, every: opts.Every, queue: queue, only: opts.Partitions, db: opts.DB, logger: logger}); err != nil {
			return nil, fmt.Errorf("jobs/river: %w", err)
		}
		if err := rq.AddWorkerSafely(workers, &planWorker{runner: opts.Runner, timeout: opts.rescueAfter() * 9 / 10, logger: logger}); err != nil {
			return nil, fmt.Errorf("jobs/river: %w", err)
		}
		cfg.Queues[queue] = rq.QueueConfig{MaxWorkers: opts.Plan}
	}
	if len(cfg.Queues) == 0 {
		cfg.Queues = nil
	}
	rc, err := rq.NewClient(riverdatabasesql.New(opts.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs/river: %w", err)
	}
	return &Client{rc: rc, opts: opts, queue: cmp.Or(opts.PlanQueue, QueuePlan)}, nil
}

// Start starts working jobs until Stop; it returns at once. A planning
// client also enqueues a cycle job every Options.Every, from now.
func (c *Client) Start(ctx context.Context) error {
	if err := c.rc.Start(ctx); err != nil {
		return fmt.Errorf("jobs/river: start: %w", err)
	}
	if c.opts.Plan > 0 {
		cctx, cancel := context.WithCancel(ctx)
		c.stopCycles, c.cyclesDone = cancel, make(chan struct{})
		go c.cycles(cctx)
	}
	return nil
}

// cycles inserts a cycle job into the plan queue at once and then every
// Options.Every, unique per queue and period: every planning process of a
// pool inserts, the database keeps one per period. (River's periodic jobs
// run on the one leader among all clients, with the leader's own
// configuration, which would leave the other pools' queues without
// cycles.) A failed insert is logged; the next tick inserts again.
func (c *Client) cycles(ctx context.Context) {
	defer close(c.cyclesDone)
	opts := &rq.InsertOpts{Queue: c.queue, MaxAttempts: 1,
		UniqueOpts: rq.UniqueOpts{ByQueue: true, ByPeriod: c.opts.Every}}
	t := time.NewTicker(c.opts.Every)
	defer t.Stop()
	for {
		if _, err := c.rc.Insert(ctx, CycleArgs{}, opts); err != nil && ctx.Err() == nil {
			c.logger().Warn("enqueue a cycle", "queue", c.queue, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Client) logger() *slog.Logger {
	if c.opts.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.opts.Logger
}

// Stop stops fetching jobs and waits for the ones running to finish, or
// for ctx to end (then their outcome is recorded by River's rescuer later).
func (c *Client) Stop(ctx context.Context) error {
	if c.stopCycles != nil {
		c.stopCycles()
		<-c.cyclesDone
	}
	if err := c.rc.Stop(ctx); err != nil {
		return fmt.Errorf("jobs/river: stop: %w", err)
	}
	return nil
}
