package console

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors of the console and its Store. Store implementations wrap them so
// that errors.Is finds them.
var (
	ErrNotFound        = errors.New("console: not found")
	ErrExists          = errors.New("console: already exists")
	ErrInvalidRole     = errors.New("console: invalid role")
	ErrWeakPassword    = errors.New("console: password too weak")
	ErrInvalidInput    = errors.New("console: invalid input")
	ErrConflict        = errors.New("console: conflicts with the current state")
	ErrRoleAboveOwner  = errors.New("console: a token's role cannot exceed its account's")
	ErrLoginRateLimit  = errors.New("console: too many failed logins; try again later")
	ErrInvalidPassword = errors.New("console: wrong login or password")
)

// Actor is who makes a change, as recorded in the audit trail: Name is
// "account:LOGIN", "token:ID:LOGIN", "shell:USER" or "anonymous"; Address
// is the client's IP address ("" from the shell).
type Actor struct {
	Name    string
	Address string
}

// Principal is the account a request acts for, with the role in force:
// for a token, the lower of the token's role and its account's.
type Principal struct {
	AccountID   int64
	Login       string
	DisplayName string
	Role        Role
	TokenID     int64 // 0 when logged in with a session
}

// Actor returns the audit actor of p at address.
func (p Principal) Actor(address string) Actor {
	if p.TokenID != 0 {
		return Actor{Name: "token:" + itoa(p.TokenID) + ":" + p.Login, Address: address}
	}
	return Actor{Name: "account:" + p.Login, Address: address}
}

// Account is a person who may use the console and the API.
type Account struct {
	ID          int64     `json:"-"`
	Login       string    `json:"login"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AccountChange is a change to an account; nil fields stay as they are.
// Disabling an account or changing its password ends its sessions.
type AccountChange struct {
	Role         *Role
	Disabled     *bool
	PasswordHash *string
}

// Session is a logged-in browser, by the hash of its cookie value.
type Session struct {
	IDHash    []byte
	AccountID int64
	Login     string // the account's, for the audit trail
	ExpiresAt time.Time
	Address   string
}

// Token is an API token as listed; the token itself is shown once, at
// creation, and never stored.
type Token struct {
	ID        int64      `json:"id"`
	Account   string     `json:"account"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Target  string          `json:"target"`
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after,omitempty"`
	Address string          `json:"address"`
}

// AuditFilter selects audit entries, newest first. Zero fields select all;
// Limit zero means 100.
type AuditFilter struct {
	Actor    string
	Action   string
	BeforeID int64 // entries with a smaller id only (the next page)
	Limit    int
}

// Store is the console's view of the database. Every method that changes
// state appends its audit entry in the same transaction as the change.
// Methods return errors wrapping ErrNotFound, ErrExists or ErrConflict
// where those apply. Implementations are safe for concurrent use.
type Store interface {
	// Ping checks that the database answers, for readiness.
	Ping(ctx context.Context) error

	CreateAccount(ctx context.Context, by Actor, a Account, passwordHash string) (Account, error)
	UpdateAccount(ctx context.Context, by Actor, login string, c AccountChange) (Account, error)
	Accounts(ctx context.Context) ([]Account, error)
	// Credentials returns the account and password hash of login.
	Credentials(ctx context.Context, login string) (Account, string, error)

	// LoginFailures counts the failed logins since since for login and
	// from address.
	LoginFailures(ctx context.Context, login, address string, since time.Time) (byLogin, byAddress int, err error)
	RecordLoginFailure(ctx context.Context, by Actor, login, why string) error
	// StartSession stores s and audits the login.
	StartSession(ctx context.Context, by Actor, s Session) error
	// SessionPrincipal returns the enabled account of an unexpired session.
	SessionPrincipal(ctx context.Context, idHash []byte, now time.Time) (Principal, error)
	EndSession(ctx context.Context, by Actor, idHash []byte) error

	// CreateToken stores t (by its hash) for account t.Account.
	CreateToken(ctx context.Context, by Actor, t Token, hash []byte) (Token, error)
	RevokeToken(ctx context.Context, by Actor, id int64) (Token, error)
	Tokens(ctx context.Context) ([]Token, error)
	// TokenPrincipal returns the principal of an unrevoked, unexpired
	// token of an enabled account.
	TokenPrincipal(ctx context.Context, hash []byte, now time.Time) (Principal, error)

	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Maintenance returns the maintenance windows f selects, by start.
	Maintenance(ctx context.Context, f MaintenanceFilter) ([]Maintenance, error)

	Runs(ctx context.Context, f RunFilter) ([]RunSummary, error)
	Run(ctx context.Context, id string) (RunDetail, error)
	Assignments(ctx context.Context, f AssignmentFilter) ([]AssignmentRow, error)
	// EachAssignment calls fn for each assignment of f.Run matching
	// f.Search, in task order, streaming from the database (f.Limit and
	// f.Offset are ignored). An error from fn stops it and is returned.
	EachAssignment(ctx context.Context, f AssignmentFilter, fn func(AssignmentRow) error) error
	// LeftOut returns the tasks run f.Run left out, by reason then task;
	// f.Search matches a task id by prefix.
	LeftOut(ctx context.Context, f AssignmentFilter) ([]LeftOutRow, error)
	Task(ctx context.Context, id string) (TaskDetail, error)
	Workers(ctx context.Context, f WorkerFilter) ([]WorkerRow, error)
	Partitions(ctx context.Context, now time.Time) ([]PartitionRow, error)

	// SetPin pins a pending task to worker (unpins it when worker is "").
	SetPin(ctx context.Context, by Actor, taskID, worker string) (TaskFacts, error)
	// SetPaused pauses or resumes the schedule of partition.
	SetPaused(ctx context.Context, by Actor, partition string, paused bool, note string) error
}
