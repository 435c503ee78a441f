package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paidan/paidan/console"
)

// Audit returns the audit entries f selects, newest first.
func (s *Store) Audit(ctx context.Context, f console.AuditFilter) ([]console.AuditEntry, error) {
	var rows []struct {
		ID      int64     `db:"id"`
		At      time.Time `db:"at"`
		Actor   string    `db:"actor"`
		Action  string    `db:"action"`
		Target  string    `db:"target"`
		Before  []byte    `db:"before"`
		After   []byte    `db:"after"`
		Address string    `db:"address"`
	}
	if err := s.DB.SelectContext(ctx, &rows, query("audit_list"), f.Actor, f.Action, f.BeforeID, limit(f.Limit, 100)); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	out := make([]console.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = console.AuditEntry{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, Target: r.Target,
			Before: json.RawMessage(r.Before), After: json.RawMessage(r.After), Address: r.Address}
	}
	return out, nil
}
