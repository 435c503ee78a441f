package console

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// WorkerTokenPrefix starts every worker token: a bearer token that reads
// one worker's assignment stream (GET /api/v1/workers/{id}/assignments)
// and nothing else. It is not an API token (TokenPrefix): the rest of the
// API refuses it.
const WorkerTokenPrefix = "pdw_"

// WorkerToken is a worker token as listed; the token itself is shown once,
// at issue, and never stored.
type WorkerToken struct {
	ID        int64      `json:"id"`
	Worker    string     `json:"worker"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// WorkerTokenState is where a worker token stands at a moment.
type WorkerTokenState string

// The states of a worker token. Only a valid token opens its worker's
// stream.
const (
	WorkerTokenValid   WorkerTokenState = "valid"
	WorkerTokenExpired WorkerTokenState = "expired" // past its expiry, not revoked
	WorkerTokenRevoked WorkerTokenState = "revoked" // revoked, expired or not
)

// StateAt returns t's state at now: revoked once revoked, otherwise
// expired from its expiry on (the instant WorkerStreamStore.WorkerTokenOf
// stops accepting it), otherwise valid.
func (t WorkerToken) StateAt(now time.Time) WorkerTokenState {
	switch {
	case t.RevokedAt != nil:
		return WorkerTokenRevoked
	case !now.Before(t.ExpiresAt):
		return WorkerTokenExpired
	}
	return WorkerTokenValid
}

// NewWorkerTokenSpec is what IssueWorkerToken needs.
type NewWorkerTokenSpec struct {
	Worker string        // the worker's id (paidan.worker.id); it must exist
	Name   string        // what the token is for, 1-200 bytes of UTF-8
	TTL    time.Duration // lifetime, positive
}

// NewWorkerToken returns a new worker token, the SHA-256 hash stored in
// its place and the prefix shown in listings.
func NewWorkerToken() (token string, hash []byte, prefix string) {
	token = WorkerTokenPrefix + newSecret()
	return token, HashSecret(token), token[:len(WorkerTokenPrefix)+6]
}

// looksLikeWorkerToken reports whether s has a worker token's shape.
func looksLikeWorkerToken(s string) bool {
	return strings.HasPrefix(s, WorkerTokenPrefix) && len(s) == len(WorkerTokenPrefix)+43
}

// IssueWorkerToken validates spec, makes a worker token and stores it by
// its hash through st (which audits worker_token.issue). It returns the
// token, to be shown once.
func IssueWorkerToken(ctx context.Context, st WorkerStreamStore, by Actor, spec NewWorkerTokenSpec, now time.Time) (string, WorkerToken, error) {
	if spec.Worker == "" || len(spec.Worker) > 200 || !utf8.ValidString(spec.Worker) {
		return "", WorkerToken{}, fmt.Errorf("%w: worker id %q: want 1-200 bytes of UTF-8", ErrInvalidInput, spec.Worker)
	}
	if spec.Name == "" || len(spec.Name) > 200 || !utf8.ValidString(spec.Name) || strings.ContainsRune(spec.Name, 0) {
		return "", WorkerToken{}, fmt.Errorf("%w: token name: want 1-200 bytes of UTF-8", ErrInvalidInput)
	}
	if spec.TTL <= 0 {
		return "", WorkerToken{}, fmt.Errorf("%w: token lifetime %v: want a positive duration", ErrInvalidInput, spec.TTL)
	}
	token, hash, prefix := NewWorkerToken()
	t, err := st.CreateWorkerToken(ctx, by, WorkerToken{Worker: spec.Worker, Name: spec.Name, Prefix: prefix,
		CreatedBy: by.Name, ExpiresAt: now.Add(spec.TTL)}, hash)
	if err != nil {
		return "", WorkerToken{}, err
	}
	return token, t, nil
}
