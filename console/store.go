package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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

// LoginAttempt is one submitted login form and the rate limit it is
// checked against.
type LoginAttempt struct {
	Login   string
	Address string // the client's IP address
	// Window is how far back failed logins count; PerLogin and PerAddress
	// are how many failures within it refuse further attempts.
	Window     time.Duration
	PerLogin   int
	PerAddress int
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

	// CreateAccount stores a with its argon2id passwordHash and audits
	// it; ErrExists when the login is taken.
	CreateAccount(ctx context.Context, by Actor, a Account, passwordHash string) (Account, error)
	// UpdateAccount applies c to account login and audits the change
	// (before and after); disabling it or changing its password ends its
	// sessions. ErrNotFound when there is no such account.
	UpdateAccount(ctx context.Context, by Actor, login string, c AccountChange) (Account, error)
	// Accounts lists every account by login.
	Accounts(ctx context.Context) ([]Account, error)
	// CheckLogin checks one login attempt atomically per login and per
	// address: while it holds locks on both, it counts the failed logins
	// (login.failure audit entries) within a.Window by the database's
	// clock and, at a.PerLogin for the login or a.PerAddress for the
	// address, returns an error wrapping ErrLoginRateLimit without calling
	// verify. Otherwise it calls verify with the account of a.Login and its
	// password hash (found false, zero values, when there is no such
	// account); when verify refuses (a non-empty why: "unknown",
	// "disabled", "password") it audits login.failure by by with why and
	// returns an error wrapping ErrInvalidPassword. On success it returns
	// the account. Concurrent attempts for one login or from one address
	// are checked one at a time, so that no more than the limit are ever
	// verified within a window.
	CheckLogin(ctx context.Context, by Actor, a LoginAttempt,
		verify func(acct Account, hash string, found bool) (why string, err error)) (Account, error)
	// StartSession stores s and audits the login.
	StartSession(ctx context.Context, by Actor, s Session) error
	// SessionPrincipal returns the enabled account of an unexpired session.
	SessionPrincipal(ctx context.Context, idHash []byte, now time.Time) (Principal, error)
	// EndSession deletes the session idHash and audits the logout; a
	// session gone already is not an error.
	EndSession(ctx context.Context, by Actor, idHash []byte) error

	// CreateToken stores t (by its hash) for account t.Account and
	// audits it; ErrRoleAboveOwner when t.Role exceeds the account's.
	CreateToken(ctx context.Context, by Actor, t Token, hash []byte) (Token, error)
	// RevokeToken revokes token id and audits it; ErrNotFound when there
	// is no such token, ErrConflict when it is revoked already.
	RevokeToken(ctx context.Context, by Actor, id int64) (Token, error)
	// Tokens lists every token (never the token itself).
	Tokens(ctx context.Context) ([]Token, error)
	// TokenPrincipal returns the principal of an unrevoked, unexpired
	// token of an enabled account.
	TokenPrincipal(ctx context.Context, hash []byte, now time.Time) (Principal, error)

	// Audit returns the audit entries f selects, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Maintenance returns the maintenance windows f selects, by start.
	Maintenance(ctx context.Context, f MaintenanceFilter) ([]Maintenance, error)

	// Runs returns one page of the runs f selects, newest first.
	Runs(ctx context.Context, f RunFilter) ([]RunSummary, error)
	// Run returns run id with its figures; ErrNotFound when there is no
	// such run.
	Run(ctx context.Context, id string) (RunDetail, error)
	// Assignments returns one page of the assignments of f.Run matching
	// f.Search, in task order.
	Assignments(ctx context.Context, f AssignmentFilter) ([]AssignmentRow, error)
	// EachAssignment calls fn for each assignment of f.Run matching
	// f.Search, in task order, streaming from the database (f.Limit and
	// f.Offset are ignored). An error from fn stops it and is returned.
	EachAssignment(ctx context.Context, f AssignmentFilter, fn func(AssignmentRow) error) error
	// LeftOut returns the tasks run f.Run left out, by reason then task;
	// f.Search matches a task id by prefix.
	LeftOut(ctx context.Context, f AssignmentFilter) ([]LeftOutRow, error)
	// Task returns task id and what each run decided about it, newest
	// first; ErrNotFound when there is no such task. A time stored as
	// ±infinity comes back as missing (zero or nil).
	Task(ctx context.Context, id string) (TaskDetail, error)
	// Workers returns one page of the workers f selects, by id.
	Workers(ctx context.Context, f WorkerFilter) ([]WorkerRow, error)
	// Partitions returns every partition's backlog, last run and pause,
	// with the age at now of its oldest pending task.
	Partitions(ctx context.Context, now time.Time) ([]PartitionRow, error)

	// ReportRuns returns the latest limit scheduled reports, newest first.
	ReportRuns(ctx context.Context, limit int) ([]ReportRun, error)
	// ReportRun returns scheduled report id; ErrNotFound when there is no
	// such report.
	ReportRun(ctx context.Context, id int64) (ReportRun, error)
	// RenderReport writes the operations report of req as one
	// self-contained HTML page to w, stamped as generated at generated.
	RenderReport(ctx context.Context, req ReportRequest, w io.Writer, generated time.Time) error

	// SetPin pins a pending task to worker (unpins it when worker is "").
	SetPin(ctx context.Context, by Actor, taskID, worker string) (TaskFacts, error)
	// SetPaused pauses or resumes the schedule of partition.
	SetPaused(ctx context.Context, by Actor, partition string, paused bool, note string) error
}
