package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/console"
)

//go:embed queries/*.sql
var queries embed.FS

// query returns the statement in queries/name.sql. A missing file is a
// programmer error and panics; every query is exercised by the tests.
func query(name string) string {
	b, err := queries.ReadFile("queries/" + name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("console/postgres: no query %s: %v", name, err))
	}
	return string(b)
}

// Store implements console.Store on a PostgreSQL database migrated by
// internal/pgschema. It is safe for concurrent use.
type Store struct {
	DB *sqlx.DB
}

var _ console.Store = (*Store)(nil)

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.DB.PingContext(ctx)
}

// inTx runs fn in a transaction and commits it when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// audit appends an entry to paidan.audit in tx. before and after are
// encoded as JSON; nil stores NULL.
func audit(ctx context.Context, tx sqlx.ExecerContext, by console.Actor, action, target string, before, after any) error {
	enc := func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	b, err := enc(before)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	a, err := enc(after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := tx.ExecContext(ctx, query("audit_insert"), by.Name, action, target, b, a, by.Address); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// prefixPattern returns a LIKE pattern matching strings that start with s,
// or nil (match all) when s is empty.
func prefixPattern(s string) any {
	if s == "" {
		return nil
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// limit returns n, or def when n is not positive.
func limit(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}

// isCheck reports whether err is a check violation.
func isCheck(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23514"
}
