package river

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/push"
)

// Errors of the subscriber commands.
var (
	// ErrSubscriberExists: AddSubscriber was given a name already taken.
	ErrSubscriberExists = errors.New("jobs/river: subscriber exists")
	// ErrNoSubscriber: no subscriber has the name.
	ErrNoSubscriber = errors.New("jobs/river: no such subscriber")
	// ErrBadSubscriber: a name, URL, events list or secret that cannot be
	// stored; the message says which and what is expected.
	ErrBadSubscriber = errors.New("jobs/river: bad subscriber")
)

var subscriberName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Subscriber is a webhook receiver of applied runs. Its secret is never
// read back by this package but by the delivering worker.
type Subscriber struct {
	ID        int64
	Name      string      // 1-63 of a-z 0-9 _ . -, starting with a letter or digit
	URL       string      // https, or http to a loopback host (push.CheckURL)
	Events    []push.Kind // the kinds it receives
	Single    bool        // one delivery per event rather than one per run
	CreatedBy string
	CreatedAt time.Time
}

// NewSubscriber is what AddSubscriber stores.
type NewSubscriber struct {
	Name   string
	URL    string
	Events []push.Kind
	Single bool
	Secret []byte // at least push.MinSecretLen bytes, at most 1024
}

// check validates n before anything is written.
func (n *NewSubscriber) check() error {
	switch {
	case !subscriberName.MatchString(n.Name):
		return fmt.Errorf("%w: name %q: want 1-63 of a-z 0-9 _ . -, starting with a letter or digit", ErrBadSubscriber, n.Name)
	case len(n.Events) == 0:
		return fmt.Errorf("%w: no events: want some of assigned, unassigned, reassigned", ErrBadSubscriber)
	case len(n.Secret) < push.MinSecretLen || len(n.Secret) > 1024:
		return fmt.Errorf("%w: secret of %d bytes: want %d to 1024", ErrBadSubscriber, len(n.Secret), push.MinSecretLen)
	}
	if err := push.CheckURL(n.URL); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSubscriber, err)
	}
	return nil
}

// auditSubscriber is a subscriber as the audit trail records it: never
// its secret.
type auditSubscriber struct {
	Name   string      `json:"name"`
	URL    string      `json:"url"`
	Events []push.Kind `json:"events"`
	Single bool        `json:"single"`
}

// AddSubscriber stores a subscriber and appends "subscriber.add" by actor
// to paidan.audit in the same transaction. db must connect as the schema
// owner: no group role may change paidan.subscriber.
func AddSubscriber(ctx context.Context, db *sqlx.DB, actor string, n NewSubscriber) (*Subscriber, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	kinds := slices.Clone(n.Events)
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	events := make(pq.StringArray, len(kinds))
	for i, k := range kinds {
		events[i] = string(k)
	}
	after, err := json.Marshal(auditSubscriber{Name: n.Name, URL: n.URL, Events: kinds, Single: n.Single})
	if err != nil {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, err)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, err)
	}
	defer tx.Rollback()
	s := &Subscriber{Name: n.Name, URL: n.URL, Events: kinds, Single: n.Single, CreatedBy: actor}
	err = tx.QueryRowxContext(ctx, `INSERT INTO paidan.subscriber (name, url, events, single, secret, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`,
		n.Name, n.URL, events, n.Single, n.Secret, actor).Scan(&s.ID, &s.CreatedAt)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, ErrSubscriberExists)
	}
	if err != nil {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, err)
	}
	if err := audit(ctx, tx, actor, "subscriber.add", n.Name, nil, after); err != nil {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("add subscriber %q: %w", n.Name, err)
	}
	return s, nil
}

// RemoveSubscriber deletes the subscriber named name and appends
// "subscriber.remove" by actor to paidan.audit in the same transaction.
// Its deliveries not yet made are cancelled when a worker takes them.
func RemoveSubscriber(ctx context.Context, db *sqlx.DB, actor, name string) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove subscriber %q: %w", name, err)
	}
	defer tx.Rollback()
	var (
		s      auditSubscriber
		events pq.StringArray
	)
	err = tx.QueryRowxContext(ctx, `DELETE FROM paidan.subscriber WHERE name = $1 RETURNING name, url, events, single`, name).
		Scan(&s.Name, &s.URL, &events, &s.Single)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("remove subscriber %q: %w", name, ErrNoSubscriber)
	}
	if err != nil {
		return fmt.Errorf("remove subscriber %q: %w", name, err)
	}
	for _, e := range events {
		s.Events = append(s.Events, push.Kind(e))
	}
	before, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("remove subscriber %q: %w", name, err)
	}
	if err := audit(ctx, tx, actor, "subscriber.remove", name, before, nil); err != nil {
		return fmt.Errorf("remove subscriber %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove subscriber %q: %w", name, err)
	}
	return nil
}

// Subscribers lists the subscribers by name, without their secrets.
func Subscribers(ctx context.Context, db sqlx.QueryerContext) ([]Subscriber, error) {
	rows, err := db.QueryxContext(ctx, `SELECT id, name, url, events, single, created_by, created_at
		FROM paidan.subscriber ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		var (
			s      Subscriber
			events pq.StringArray
		)
		if err := rows.Scan(&s.ID, &s.Name, &s.URL, &events, &s.Single, &s.CreatedBy, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("list subscribers: %w", err)
		}
		for _, e := range events {
			s.Events = append(s.Events, push.Kind(e))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	return out, nil
}

// audit appends one entry to paidan.audit in tx.
func audit(ctx context.Context, tx *sqlx.Tx, actor, action, target string, before, after []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO paidan.audit (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)`,
		actor, action, target, nullJSON(before), nullJSON(after))
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// KindsString joins kinds with commas.
func KindsString(kinds []push.Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}
