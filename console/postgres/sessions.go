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

// LoginFailures counts the login.failure audit entries since since for
// login and from address.
func (s *Store) LoginFailures(ctx context.Context, login, address string, since time.Time) (byLogin, byAddress int, err error) {
	var n struct {
		ByLogin   int `db:"by_login"`
		ByAddress int `db:"by_address"`
	}
	if err := s.DB.GetContext(ctx, &n, query("login_failures"), login, address, since); err != nil {
		return 0, 0, fmt.Errorf("count failed logins: %w", err)
	}
	return n.ByLogin, n.ByAddress, nil
}

// RecordLoginFailure audits a failed login for login, with why (a short
// code, never the password tried).
func (s *Store) RecordLoginFailure(ctx context.Context, by console.Actor, login, why string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return audit(ctx, tx, by, "login.failure", login, nil, map[string]string{"why": why})
	})
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return nil
}

// StartSession stores session ss and audits the login.
func (s *Store) StartSession(ctx context.Context, by console.Actor, ss console.Session) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, query("session_insert"), ss.IDHash, ss.AccountID, ss.ExpiresAt, ss.Address); err != nil {
			return err
		}
		return audit(ctx, tx, by, "login.success", ss.Login, nil,
			map[string]any{"session_expires_at": ss.ExpiresAt.UTC()})
	})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	return nil
}

// SessionPrincipal returns the account of a session unexpired at now, or
// an error wrapping console.ErrNotFound.
func (s *Store) SessionPrincipal(ctx context.Context, idHash []byte, now time.Time) (console.Principal, error) {
	var r struct {
		ID          int64  `db:"id"`
		Login       string `db:"login"`
		DisplayName string `db:"display_name"`
		Role        string `db:"role"`
	}
	if err := s.DB.GetContext(ctx, &r, query("session_principal"), idHash, now); errors.Is(err, sql.ErrNoRows) {
		return console.Principal{}, fmt.Errorf("%w: session", console.ErrNotFound)
	} else if err != nil {
		return console.Principal{}, fmt.Errorf("look up session: %w", err)
	}
	role, err := console.ParseRole(r.Role)
	if err != nil {
		return console.Principal{}, fmt.Errorf("look up session: %w", err)
	}
	return console.Principal{AccountID: r.ID, Login: r.Login, DisplayName: r.DisplayName, Role: role}, nil
}

// EndSession deletes a session and audits the logout. A session that is
// gone already is not an error and is not audited.
func (s *Store) EndSession(ctx context.Context, by console.Actor, idHash []byte) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var login string
		if err := tx.GetContext(ctx, &login, query("session_delete"), idHash); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return audit(ctx, tx, by, "login.logout", login, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
