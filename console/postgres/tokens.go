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

// tokenRow is a token as listed.
type tokenRow struct {
	ID        int64        `db:"id"`
	Account   string       `db:"account"`
	Name      string       `db:"name"`
	Role      string       `db:"role"`
	Prefix    string       `db:"prefix"`
	CreatedAt time.Time    `db:"created_at"`
	ExpiresAt time.Time    `db:"expires_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (r tokenRow) token() (console.Token, error) {
	role, err := console.ParseRole(r.Role)
	if err != nil {
		return console.Token{}, fmt.Errorf("table paidan.api_token, id %d: %w", r.ID, err)
	}
	t := console.Token{ID: r.ID, Account: r.Account, Name: r.Name, Role: role, Prefix: r.Prefix,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if r.RevokedAt.Valid {
		t.RevokedAt = &r.RevokedAt.Time
	}
	return t, nil
}

// tokenAudit is a token as the audit trail shows it.
type tokenAudit struct {
	ID        int64      `json:"id"`
	Account   string     `json:"account"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Prefix    string     `json:"prefix"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func tokenAuditOf(t console.Token) tokenAudit {
	return tokenAudit{ID: t.ID, Account: t.Account, Name: t.Name, Role: t.Role.String(), Prefix: t.Prefix,
		ExpiresAt: t.ExpiresAt.UTC(), RevokedAt: t.RevokedAt}
}

// CreateToken stores token t of account t.Account by its hash and audits
// it. A role above the account's returns an error wrapping
// console.ErrRoleAboveOwner; an unknown account, console.ErrNotFound.
func (s *Store) CreateToken(ctx context.Context, by console.Actor, t console.Token, hash []byte) (console.Token, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var a accountRow
		if err := tx.GetContext(ctx, &a, query("account_lock"), t.Account); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no account %q", console.ErrNotFound, t.Account)
		} else if err != nil {
			return err
		}
		owner, err := a.account()
		if err != nil {
			return err
		}
		if !owner.Role.Allows(t.Role) {
			return fmt.Errorf("%w: %s token for %s account %q", console.ErrRoleAboveOwner, t.Role, owner.Role, owner.Login)
		}
		var r struct {
			ID        int64     `db:"id"`
			CreatedAt time.Time `db:"created_at"`
		}
		err = tx.GetContext(ctx, &r, query("token_insert"), owner.ID, t.Name, t.Role.String(), hash, t.Prefix, t.ExpiresAt)
		if isCheck(err) {
			return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
		} else if err != nil {
			return err
		}
		t.ID, t.CreatedAt = r.ID, r.CreatedAt
		return audit(ctx, tx, by, "token.create", fmt.Sprintf("token:%d", t.ID), nil, tokenAuditOf(t))
	})
	if err != nil {
		return console.Token{}, fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return t, nil
}

// RevokeToken revokes token id and audits it: console.ErrNotFound when
// there is no such token, console.ErrConflict when it is revoked already.
func (s *Store) RevokeToken(ctx context.Context, by console.Actor, id int64) (console.Token, error) {
	var out console.Token
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r tokenRow
		err := tx.GetContext(ctx, &r, query("token_revoke"), id)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.GetContext(ctx, &r, query("token_get"), id); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no token %d", console.ErrNotFound, id)
			} else if err != nil {
				return err
			}
			return fmt.Errorf("%w: token %d is revoked already", console.ErrConflict, id)
		} else if err != nil {
			return err
		}
		if out, err = r.token(); err != nil {
			return err
		}
		before := out
		before.RevokedAt = nil
		return audit(ctx, tx, by, "token.revoke", fmt.Sprintf("token:%d", id), tokenAuditOf(before), tokenAuditOf(out))
	})
	if err != nil {
		return console.Token{}, fmt.Errorf("revoke token %d: %w", id, err)
	}
	return out, nil
}

// Tokens lists every token, newest first.
func (s *Store) Tokens(ctx context.Context) ([]console.Token, error) {
	var rows []tokenRow
	if err := s.DB.SelectContext(ctx, &rows, query("token_list")); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]console.Token, 0, len(rows))
	for _, r := range rows {
		t, err := r.token()
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// TokenPrincipal returns the principal of a token that is unrevoked and
// unexpired at now and whose account is enabled, with the lower of the
// token's and the account's roles; otherwise an error wrapping
// console.ErrNotFound.
func (s *Store) TokenPrincipal(ctx context.Context, hash []byte, now time.Time) (console.Principal, error) {
	var r struct {
		ID          int64  `db:"id"`
		Login       string `db:"login"`
		DisplayName string `db:"display_name"`
		AccountRole string `db:"account_role"`
		TokenID     int64  `db:"token_id"`
		TokenRole   string `db:"token_role"`
	}
	if err := s.DB.GetContext(ctx, &r, query("token_principal"), hash, now); errors.Is(err, sql.ErrNoRows) {
		return console.Principal{}, fmt.Errorf("%w: token", console.ErrNotFound)
	} else if err != nil {
		return console.Principal{}, fmt.Errorf("look up token: %w", err)
	}
	ar, err := console.ParseRole(r.AccountRole)
	if err != nil {
		return console.Principal{}, fmt.Errorf("look up token: %w", err)
	}
	tr, err := console.ParseRole(r.TokenRole)
	if err != nil {
		return console.Principal{}, fmt.Errorf("look up token: %w", err)
	}
	return console.Principal{AccountID: r.ID, Login: r.Login, DisplayName: r.DisplayName,
		Role: min(ar, tr), TokenID: r.TokenID}, nil
}
