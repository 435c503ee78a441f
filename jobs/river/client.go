package river

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	rq "github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/paidan/paidan/internal/pgschema"
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
// (Publisher) and, when Options.Deliver > 0, works them. Start it to work
// jobs; an enqueue-only client needs no Start. Safe for concurrent use.
type Client struct {
	rc   *rq.Client[*sql.Tx]
	opts Options
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
	if opts.Deliver > 0 {
		cfg.Queues = map[string]rq.QueueConfig{QueueDeliver: {MaxWorkers: opts.Deliver}}
	}
	rc, err := rq.NewClient(riverdatabasesql.New(opts.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs/river: %w", err)
	}
	return &Client{rc: rc, opts: opts}, nil
}

// Start starts working jobs until Stop; it returns at once.
func (c *Client) Start(ctx context.Context) error {
	if err := c.rc.Start(ctx); err != nil {
		return fmt.Errorf("jobs/river: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the ones running to finish, or
// for ctx to end (then their outcome is recorded by River's rescuer later).
func (c *Client) Stop(ctx context.Context) error {
	if err := c.rc.Stop(ctx); err != nil {
		return fmt.Errorf("jobs/river: stop: %w", err)
	}
	return nil
}
