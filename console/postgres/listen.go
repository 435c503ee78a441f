package postgres

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
)

// RunAppliedChannel is the channel on which every applied run is
// announced when its write-back commits (migration 00058's trigger, and
// the push publisher).
const RunAppliedChannel = "paidan_run_applied"

// Listening is a Store whose worker streams wake when a run is applied:
// it holds one connection of its own that LISTENs on RunAppliedChannel,
// reconnecting (1 s to 30 s apart) when it is lost. Build it with Listen;
// Close it when done.
type Listening struct {
	*Store

	l      *pq.Listener
	logger *slog.Logger
	mu     sync.Mutex
	ch     chan struct{} // closed and replaced at each announcement
	done   chan struct{} // closed when loop has returned
	closed chan struct{} // closed by Close
	once   sync.Once
}

var _ console.RunNotifier = (*Listening)(nil)

// Listen returns st listening on RunAppliedChannel through its own
// connection to dsn (the same role and database as st). The connection
// is made in the background: until it is up, and whenever it is down,
// streams poll. logger (nil: discard) hears of lost connections.
func Listen(st *Store, dsn string, logger *slog.Logger) *Listening {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Listening{Store: st, logger: logger, ch: make(chan struct{}), done: make(chan struct{}),
		closed: make(chan struct{})}
	s.l = pq.NewListener(dsn, time.Second, 30*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			logger.Warn("listen for applied runs", "event", ev.String(), "err", err)
		}
	})
	// Listen blocks until the first connection is up; the streams poll
	// meanwhile.
	go func() {
		if err := s.l.Listen(RunAppliedChannel); err != nil && !errors.Is(err, net.ErrClosed) {
			logger.Warn("listen for applied runs", "err", err)
		}
	}()
	go s.loop()
	return s
}

// loop wakes the streams at each notification, and at each reconnection
// (a nil notification: some may have been missed).
func (s *Listening) loop() {
	defer close(s.done)
	for range s.l.NotificationChannel() {
		s.mu.Lock()
		close(s.ch)
		s.ch = make(chan struct{})
		s.mu.Unlock()
	}
}

// RunApplied returns a channel closed at the next announcement.
func (s *Listening) RunApplied() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

// Closed returns a channel closed by Close: the streams end then (an HTTP
// server's shutdown does not wait for them).
func (s *Listening) Closed() <-chan struct{} { return s.closed }

// Close stops listening, closes the connection and ends the streams; it
// does not close the Store. Calls after the first do nothing.
func (s *Listening) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		if e := s.l.Close(); e != nil {
			err = fmt.Errorf("stop listening for applied runs: %w", e)
		}
		<-s.done
	})
	return err
}
