package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
)

// accountRow is a row of paidan.account.
type accountRow struct {
	ID           int64     `db:"id"`
	Login        string    `db:"login"`
	DisplayName  string    `db:"display_name"`
	Role         string    `db:"role"`
	Disabled     bool      `db:"disabled"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	PasswordHash string    `db:"password_hash"`
}

func (r accountRow) account() (console.Account, error) {
	role, err := console.ParseRole(r.Role)
	if err != nil {
		return console.Account{}, fmt.Errorf("table paidan.account, login %q: %w", r.Login, err)
	}
	return console.Account{ID: r.ID, Login: r.Login, DisplayName: r.DisplayName, Role: role,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// accountAudit is an account as the audit trail shows it: never its
// password hash.
type accountAudit struct {
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Disabled    bool   `json:"disabled"`
}

func auditOf(a console.Account) accountAudit {
	return accountAudit{Login: a.Login, DisplayName: a.DisplayName, Role: a.Role.String(), Disabled: a.Disabled}
}

// CreateAccount stores a new account with the given password hash and
// audits it. A login that exists returns an error wrapping
// console.ErrExists.
func (s *Store) CreateAccount(ctx context.Context, by console.Actor, a console.Account, passwordHash string) (console.Account, error) {
	var out console.Account
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r accountRow
		err := tx.GetContext(ctx, &r, query("account_insert"), a.Login, a.DisplayName, a.Role.String(), passwordHash, a.Disabled)
		switch {
		case isUnique(err):
			return fmt.Errorf("%w: account %q", console.ErrExists, a.Login)
		case isCheck(err):
			return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
		case err != nil:
			return err
		}
		if out, err = r.account(); err != nil {
			return err
		}
		return audit(ctx, tx, by, "account.create", out.Login, nil, auditOf(out))
	})
	if err != nil {
		return console.Account{}, fmt.Errorf("create account %q: %w", a.Login, err)
	}
	return out, nil
}

// UpdateAccount applies c to the account login and audits it:
// account.set_role, account.disable, account.enable, account.reset_password,
// or account.update when c changes more than one thing. Disabling or a new
// password ends the account's sessions.
func (s *Store) UpdateAccount(ctx context.Context, by console.Actor, login string, c console.AccountChange) (console.Account, error) {
	var out console.Account
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r accountRow
		if err := tx.GetContext(ctx, &r, query("account_lock"), login); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no account %q", console.ErrNotFound, login)
		} else if err != nil {
			return err
		}
		before, err := r.account()
		if err != nil {
			return err
		}
		role, disabled, hash := before.Role, before.Disabled, r.PasswordHash
		var actions []string
		if c.Role != nil {
			role = *c.Role
			actions = append(actions, "account.set_role")
		}
		if c.Disabled != nil {
			disabled = *c.Disabled
			if disabled {
				actions = append(actions, "account.disable")
			} else {
				actions = append(actions, "account.enable")
			}
		}
		if c.PasswordHash != nil {
			hash = *c.PasswordHash
			actions = append(actions, "account.reset_password")
		}
		if len(actions) == 0 {
			return fmt.Errorf("%w: nothing to change", console.ErrInvalidInput)
		}
		var after accountRow
		if err := tx.GetContext(ctx, &after, query("account_update"), r.ID, role.String(), disabled, hash); err != nil {
			return err
		}
		if out, err = after.account(); err != nil {
			return err
		}
		if (c.Disabled != nil && *c.Disabled) || c.PasswordHash != nil {
			if _, err := tx.ExecContext(ctx, query("session_end_all"), r.ID); err != nil {
				return err
			}
		}
		action := actions[0]
		if len(actions) > 1 {
			action = "account.update"
		}
		type change struct {
			accountAudit
			PasswordChanged bool `json:"password_changed,omitempty"`
		}
		return audit(ctx, tx, by, action, login, auditOf(before),
			change{accountAudit: auditOf(out), PasswordChanged: c.PasswordHash != nil})
	})
	if err != nil {
		return console.Account{}, fmt.Errorf("update account %q: %w", login, err)
	}
	return out, nil
}

// Accounts returns every account, by login.
func (s *Store) Accounts(ctx context.Context) ([]console.Account, error) {
	var rows []accountRow
	if err := s.DB.SelectContext(ctx, &rows, query("account_list")); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]console.Account, 0, len(rows))
	for _, r := range rows {
		a, err := r.account()
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}
