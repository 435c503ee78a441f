package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
)

// CheckLogin checks login attempt a in one transaction that holds
// transaction-scoped advisory locks on a.Login and on a.Address (taken in
// key order, so that two attempts never wait on each other crosswise):
// counting the failures, verifying the password and recording a failure
// are one step for every other attempt on the same login or address. The
// window is measured with the database's clock, as paidan.audit.at is.
func (s *Store) CheckLogin(ctx context.Context, by console.Actor, a console.LoginAttempt,
	verify func(acct console.Account, hash string, found bool) (string, error)) (console.Account, error) {
	var acct console.Account
	refused := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		keys := []int64{lockKey("paidan.login:" + a.Login), lockKey("paidan.address:" + a.Address)}
		slices.Sort(keys)
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		var n struct {
			ByLogin   int `db:"by_login"`
			ByAddress int `db:"by_address"`
		}
		if err := tx.GetContext(ctx, &n, query("login_failures"), a.Login, a.Address, a.Window.Seconds()); err != nil {
			return fmt.Errorf("count failed logins: %w", err)
		}
		if n.ByLogin >= a.PerLogin || n.ByAddress >= a.PerAddress {
			return fmt.Errorf("%w (%d for login %q, %d from address %s)", console.ErrLoginRateLimit, n.ByLogin, a.Login, n.ByAddress, a.Address)
		}
		var r accountRow
		found := true
		if err := tx.GetContext(ctx, &r, query("account_get"), a.Login); errors.Is(err, sql.ErrNoRows) {
			found = false
		} else if err != nil {
			return fmt.Errorf("look up account: %w", err)
		}
		var hash string
		if found {
			var err error
			if acct, err = r.account(); err != nil {
				return err
			}
			hash = r.PasswordHash
		}
		why, err := verify(acct, hash, found)
		if err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		refused = true
		return audit(ctx, tx, by, "login.failure", a.Login, nil, map[string]string{"why": why})
	})
	if err == nil && refused {
		err = console.ErrInvalidPassword
	}
	if err != nil {
		return console.Account{}, fmt.Errorf("check login %q: %w", a.Login, err)
	}
	return acct, nil
}

// lockKey is the advisory lock key of name: the first 8 bytes of its
// SHA-256.
func lockKey(name string) int64 {
	h := sha256.Sum256([]byte(name))
	return int64(binary.BigEndian.Uint64(h[:8]))
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
