package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WorkerAssignment is one task a worker holds (in the stream's snapshot)
// or was given by an applied run (in its events).
type WorkerAssignment struct {
	Task       string     `json:"task"`
	RunID      string     `json:"run_id"`
	Partition  string     `json:"partition"`
	Region     string     `json:"region"`
	Priority   int        `json:"priority"`
	Lat        float64    `json:"lat"`
	Lon        float64    `json:"lon"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	DistanceKM float64    `json:"distance_km"`
	Pinned     bool       `json:"pinned"`
	AssignedAt time.Time  `json:"assigned_at"`
}

// StreamCursor is a position in the feed of applied runs
// (paidan.run_applied): the write-back's transaction id and the row's
// sequence number. It is a stream event's id ("XID.SEQ"), which a client
// sends back as Last-Event-ID to resume after it.
type StreamCursor struct {
	XID int64
	Seq int64
}

// String returns the cursor as an event id.
func (c StreamCursor) String() string {
	return strconv.FormatInt(c.XID, 10) + "." + strconv.FormatInt(c.Seq, 10)
}

// ParseStreamCursor parses an event id made by StreamCursor.String.
func ParseStreamCursor(s string) (StreamCursor, error) {
	x, q, ok := strings.Cut(s, ".")
	xid, err1 := strconv.ParseInt(x, 10, 64)
	seq, err2 := strconv.ParseInt(q, 10, 64)
	if !ok || err1 != nil || err2 != nil || xid < 0 || seq < 0 {
		return StreamCursor{}, fmt.Errorf("%w: event id %q: want XID.SEQ as the stream sent it", ErrInvalidInput, s)
	}
	return StreamCursor{XID: xid, Seq: seq}, nil
}

// Less reports whether c comes before d.
func (c StreamCursor) Less(d StreamCursor) bool {
	return c.XID < d.XID || (c.XID == d.XID && c.Seq < d.Seq)
}

// SnapshotCursor is the cursor after a snapshot whose transaction's xmin
// is xmin: every run committed by a transaction below it is in the
// snapshot; runs at or above it are sent as events (again, possibly).
func SnapshotCursor(xmin int64) StreamCursor {
	return StreamCursor{XID: xmin - 1, Seq: math.MaxInt64}
}

// WorkerSnapshot is a worker's active assignments read in one database
// snapshot, and where the stream goes on from.
type WorkerSnapshot struct {
	Assignments []WorkerAssignment
	// Cursor is SnapshotCursor of the snapshot's xmin.
	Cursor StreamCursor
	// Seen are the runs after Cursor that committed before the snapshot:
	// their assignments are in it already, and the stream skips them.
	Seen []string
}

// WorkerRun is what one applied run gave one worker.
type WorkerRun struct {
	Cursor      StreamCursor       `json:"-"`
	RunID       string             `json:"run_id"`
	Partition   string             `json:"partition"`
	AppliedAt   time.Time          `json:"applied_at"`
	Assignments []WorkerAssignment `json:"assignments"`
}

// WorkerStreamStore is a Store that also serves worker streams and their
// tokens (console/postgres.Store is one). A Store that is not answers 404
// on the stream.
type WorkerStreamStore interface {
	// CreateWorkerToken stores t (by its hash) for worker t.Worker and
	// audits worker_token.issue; ErrNotFound when there is no such
	// worker.
	CreateWorkerToken(ctx context.Context, by Actor, t WorkerToken, hash []byte) (WorkerToken, error)
	// RevokeWorkerToken revokes worker token id and audits
	// worker_token.revoke; ErrNotFound when there is no such token,
	// ErrConflict when it is revoked already.
	RevokeWorkerToken(ctx context.Context, by Actor, id int64) (WorkerToken, error)
	// WorkerTokens lists every worker token (never the token itself).
	WorkerTokens(ctx context.Context) ([]WorkerToken, error)
	// WorkerTokenOf returns the unrevoked token of hash unexpired at now;
	// ErrNotFound otherwise.
	WorkerTokenOf(ctx context.Context, hash []byte, now time.Time) (WorkerToken, error)
	// WorkerSnapshot returns the active assignments of worker, by task,
	// and the cursor after them, read in one snapshot; ErrNotFound when
	// there is no such worker.
	WorkerSnapshot(ctx context.Context, worker string) (WorkerSnapshot, error)
	// WorkerRuns returns, in feed order, the runs applied after cursor
	// that gave worker assignments, at most limit of them, and the cursor
	// to read on from: past every run read, the worker's or not. It reads
	// only runs whose transactions are below its snapshot's xmin, so that
	// no run committed later can land before the returned cursor.
	WorkerRuns(ctx context.Context, worker string, after StreamCursor, limit int) ([]WorkerRun, StreamCursor, error)
}

// RunNotifier is a Store that hears of applied runs as they commit
// (console/postgres.Listening, over LISTEN paidan_run_applied). Streams
// wake on it; without it they poll.
type RunNotifier interface {
	// RunApplied returns a channel closed at the next announcement of
	// an applied run (or when the announcements may have been missed,
	// after a reconnection).
	RunApplied() <-chan struct{}
	// Closed returns a channel closed when the notifier stops (the
	// server shuts down): the streams end then.
	Closed() <-chan struct{}
}

// The stream's timing. A stream reads the feed when a run is announced
// and at least every streamPoll (a run whose transaction was not yet
// below the xmin at its announcement is read at the next poll); it sends
// a heartbeat every ?heartbeat (default streamHeartbeat), which also
// rechecks the token.
const (
	streamPoll      = 2 * time.Second
	streamHeartbeat = 15 * time.Second
	streamBatch     = 100
)

// apiWorkerStream serves GET /api/v1/workers/{id}/assignments: a
// Server-Sent Events stream of worker id's assignments for its app,
// authenticated by a worker token of that worker (and no other
// credential). Without Last-Event-ID it starts with a snapshot event (the
// worker's active assignments); then one assigned event per applied run
// that gave the worker tasks; every event carries an id, and a reconnect
// with Last-Event-ID (or ?last_event_id) resumes after it without loss.
// A heartbeat event every ?heartbeat (1s to 5m, default 15s) carries the
// current position as its id and ends the stream when the token has been
// revoked or has expired meanwhile.
func (s *Server) apiWorkerStream(w http.ResponseWriter, r *http.Request) error {
	ws, ok := s.o.Store.(WorkerStreamStore)
	if !ok {
		return fmt.Errorf("worker streams: %w", ErrNotFound)
	}
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	worker := r.PathValue("id")
	hash, err := workerTokenHash(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paidan-worker"`)
		return err
	}
	tok, err := ws.WorkerTokenOf(ctx, hash, s.o.Now())
	if errors.Is(err, ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paidan-worker"`)
		return fmt.Errorf("%w: the worker token is unknown, revoked or expired", errUnauthenticated)
	} else if err != nil {
		return err
	}
	if tok.Worker != worker {
		return fmt.Errorf("%w: worker token %d reads worker %q's stream only", errForbidden, tok.ID, tok.Worker)
	}
	heartbeat := streamHeartbeat
	if q := r.URL.Query().Get("heartbeat"); q != "" {
		d, err := time.ParseDuration(q)
		if err != nil || d < time.Second || d > 5*time.Minute {
			return invalidInput("heartbeat %q: want a duration from 1s to 5m", q)
		}
		heartbeat = d
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	var (
		cursor StreamCursor
		snap   WorkerSnapshot
		seen   = map[string]bool{}
	)
	if last != "" {
		if cursor, err = ParseStreamCursor(last); err != nil {
			return err
		}
	} else {
		if snap, err = ws.WorkerSnapshot(ctx, worker); err != nil {
			return err
		}
		cursor = snap.Cursor
		for _, id := range snap.Seen {
			seen[id] = true
		}
	}

	rc := http.NewResponseController(w)
	// A stream outlives the server's read and write timeouts (paidan
	// serve reads a request for at most a minute): clear them for this
	// connection, or the server would cancel the stream when they pass.
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if last == "" {
		if snap.Assignments == nil {
			snap.Assignments = []WorkerAssignment{}
		}
		if err := writeEvent(w, "snapshot", cursor, map[string]any{"worker": worker, "assignments": snap.Assignments}); err != nil {
			return nil
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	notifier, _ := s.o.Store.(RunNotifier)
	var closed <-chan struct{}
	if notifier != nil {
		closed = notifier.Closed()
	}
	poll := time.NewTicker(streamPoll)
	defer poll.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		var wake <-chan struct{}
		if notifier != nil {
			wake = notifier.RunApplied() // taken before the read: no announcement falls between
		}
		for {
			runs, next, err := ws.WorkerRuns(ctx, worker, cursor, streamBatch)
			if err != nil {
				if ctx.Err() == nil {
					s.o.Logger.Warn("worker stream: read runs", "worker", worker, "err", err)
				}
				break // the next poll retries (the database may be restarting)
			}
			for _, run := range runs {
				if seen[run.RunID] {
					continue // in the snapshot already
				}
				if err := writeEvent(w, "assigned", run.Cursor, run); err != nil {
					return nil
				}
			}
			cursor = next
			if err := rc.Flush(); err != nil {
				return nil
			}
			if len(runs) < streamBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-closed:
			return nil
		case <-wake:
		case <-poll.C:
		case <-beat.C:
			if _, err := ws.WorkerTokenOf(ctx, hash, s.o.Now()); errors.Is(err, ErrNotFound) {
				writeEvent(w, "revoked", cursor, map[string]string{"reason": "the worker token was revoked or has expired"})
				rc.Flush()
				return nil
			}
			if err := writeEvent(w, "heartbeat", cursor, map[string]string{"at": s.o.Now().UTC().Format(time.RFC3339)}); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

// workerTokenHash returns the hash of r's worker token, or an error
// wrapping errUnauthenticated.
func workerTokenHash(r *http.Request) ([]byte, error) {
	tok, ok := cutPrefixFold(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !looksLikeWorkerToken(tok) {
		return nil, errWorkerTokenMissing
	}
	return HashSecret(tok), nil
}

// errWorkerTokenMissing answers a stream request without a worker token.
var errWorkerTokenMissing = fmt.Errorf("%w; a worker's stream takes that worker's token: 'Authorization: Bearer pdw_…'", errUnauthenticated)

// writeEvent writes one Server-Sent Event: its name, id and data (v as
// one line of JSON).
func writeEvent(w io.Writer, name string, id StreamCursor, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", name, id, data)
	return err
}
